"""Prefect events for failed rules: ``mmwatch.rule.failed``, one per failed rule, for automations.

``prefect.events.emit_event`` is not a no-op outside a flow run: with no API configured it sends
to an ephemeral server, which would start one (12-22 s) inside a plain ``mmwatch audit``. So events
are emitted only inside a flow run or when ``PREFECT_API_URL`` points to a server.
"""

from __future__ import annotations

from typing import Any

EVENT = "mmwatch.rule.failed"


def events_enabled() -> bool:
    from prefect.context import FlowRunContext
    from prefect.settings import PREFECT_API_URL

    return FlowRunContext.get() is not None or bool(PREFECT_API_URL.value())


def rule_failed_events(session_id: str, asset: str | None,
                       rules: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The events (as ``emit_event`` keyword arguments) of the failed rules."""
    return [
        {
            "event": EVENT,
            "resource": {"prefect.resource.id": f"mmwatch.session.{session_id}",
                         "prefect.resource.name": session_id},
            "related": [{"prefect.resource.id": f"mmwatch.rule.{r['id']}", "prefect.resource.role": "rule",
                         "prefect.resource.name": r["id"]}],
            "payload": {"session": session_id, "asset": asset, "rule": r["id"], "title": r["title"],
                        "severity": r["severity"], "observed": r["observed"], "threshold": r["threshold"],
                        "summary": r.get("summary")},
        }
        for r in rules
        if r.get("passed") is False
    ]


def emit_rule_events(session_id: str, asset: str | None, rules: list[dict[str, Any]]) -> int:
    """Emit one event per failed rule when a Prefect API is there; return how many were sent."""
    if not events_enabled():
        return 0
    from prefect.events import emit_event

    sent = 0
    for kwargs in rule_failed_events(session_id, asset, rules):
        if emit_event(**kwargs) is not None:
            sent += 1
    return sent
