"""Flow ``supervise-bot``: run market_maker under supervision (``mmwatch.supervisor``).

Start it from a deployment (manual start) with the bot's command as a parameter. Cancelling the flow
run in the Prefect UI stops the bot gracefully: the flow notices the run's CANCELLING state (or the
SIGTERM a worker sends), sends SIGINT to the bot, waits for its shutdown, pulls and audits the log,
and ends Cancelled. The same body runs as plain calls for ``mmwatch supervise`` without a server.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from prefect import flow
from prefect.context import FlowRunContext
from prefect.states import Cancelled, State

from mmwatch.alerts.channels import flow_alert_urls
from mmwatch.config import load_settings
from mmwatch.supervisor import SuperviseOptions, supervise
from mmwatch.supervisor.runner import StopRequest

CANCEL_POLL_S = 2.0  # how often the flow run's state is read from the API


def cancel_checker(poll_s: float = CANCEL_POLL_S) -> Callable[[], bool] | None:
    """A callable telling whether this flow run is being cancelled (read at most every ``poll_s``)."""
    ctx = FlowRunContext.get()
    if ctx is None or ctx.flow_run is None:
        return None
    from prefect.client.orchestration import get_client

    flow_run_id = ctx.flow_run.id
    last = {"at": 0.0, "cancelling": False}

    def cancelling() -> bool:
        if not last["cancelling"] and time.monotonic() - last["at"] >= poll_s:
            last["at"] = time.monotonic()
            try:
                with get_client(sync_client=True) as client:
                    state = client.read_flow_run(flow_run_id).state
                last["cancelling"] = bool(state and (state.is_cancelling() or state.is_cancelled()))
            except Exception:  # noqa: BLE001 - an API hiccup must not stop supervising
                pass
        return bool(last["cancelling"])

    return cancelling


@flow(name="supervise-bot", log_prints=True)
def supervise_bot(
    command: list[str],
    log_dir: str | None = None,
    db: str | None = None,
    out: str | None = None,
    publish: str | None = None,
    pull_every: float | None = None,
    max_restarts: int | None = None,
    stale_after: float | None = None,
    backoff: float | None = None,
    shutdown_timeout: float | None = None,
    audit: bool = True,
    fail_on: str | None = None,
    alert_urls: list[str] | None = None,
    alert_urls_secret: str | None = None,
) -> dict[str, Any] | State:
    """Run ``command`` (``{log_file}`` = the per-run log path) under supervision until it stops for good."""
    settings = load_settings(log_dir=log_dir, db=db, out=out, publish_url=publish, pull_every_s=pull_every,
                             max_restarts=max_restarts, stale_after_s=stale_after, restart_backoff_s=backoff,
                             shutdown_timeout_s=shutdown_timeout, fail_on=fail_on,
                             alert_urls=flow_alert_urls(alert_urls, alert_urls_secret))
    stop = StopRequest(extra=cancel_checker())
    outcome = supervise(settings, SuperviseOptions(command=list(command), audit=audit), stop=stop)
    summary = outcome.summary()
    if stop.reason == "flow run cancelled":
        return Cancelled(message=f"bot stopped on request after {len(outcome.runs)} run(s)", data=summary)
    return summary


def run_summary(state: State) -> dict[str, Any]:
    """The runs' summary of a finished ``supervise_bot`` flow run, cancelled or not."""
    if isinstance(state.data, dict):
        return state.data
    result = state.result(raise_on_failure=False)
    if isinstance(result, dict):
        return result
    raise RuntimeError(f"supervise-bot ended {state.name} without a summary: {state.message}")
