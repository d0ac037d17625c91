"""Prefect tasks: thin wrappers around the plain functions of ``mmwatch``, one module per step.

``run_step`` lets one flow body serve two ways of running: inside a Prefect flow run each step is
a task run (visible in the UI); outside one (``mmwatch audit`` without a Prefect server) the same
step is a plain function call, so a person gets an answer in seconds rather than after a
temporary Prefect server has started.
"""

from __future__ import annotations

from typing import Any, TypeVar

from prefect import Task
from prefect.context import FlowRunContext

R = TypeVar("R")


def run_step(step: Task[..., R], *args: Any, **kwargs: Any) -> R:
    """Call ``step`` as a task inside a flow run, as its plain function otherwise."""
    if FlowRunContext.get() is not None:
        return step(*args, **kwargs)
    return step.fn(*args, **kwargs)
