"""Prefect events, for automations: a session audited, a rule failed, a live condition.

* ``mmwatch.session.audited``: one per audited session, payload = the session digest
  (``mmwatch.alerts.digest``); its resource's ``mmwatch.severity`` is the verdict (``clean`` or the
  worst failed severity), so an automation that pages on ``critical`` fires once per session;
* ``mmwatch.rule.failed``: one per failed rule, whatever the alert threshold (an automation can set
  its own with ``mmwatch.severity``);
* ``mmwatch.live.<condition>`` (``mmwatch.live.kill-switch``, ``mmwatch.live.bot-startup-failure``
  ...): one per live alert of the supervisor.

Every event's resource carries ``mmwatch.severity``, ``mmwatch.asset``, ``mmwatch.network`` and
``mmwatch.mode`` (``unknown`` when not known), and everything in an event is masked.

``prefect.events.emit_event`` is not a no-op outside a flow run: with no API configured it sends
to an ephemeral server, which would start one (12-22 s) inside a plain ``mmwatch audit``. So events
are emitted only inside a flow run or when ``PREFECT_API_URL`` points to a server.
"""

from __future__ import annotations

import re
from typing import Any

from mmwatch.masking import mask_secrets

EVENT = "mmwatch.rule.failed"
SESSION_EVENT = "mmwatch.session.audited"
LIVE_PREFIX = "mmwatch.live."
UNKNOWN = "unknown"


def events_enabled() -> bool:
    from prefect.context import FlowRunContext
    from prefect.settings import PREFECT_API_URL

    return FlowRunContext.get() is not None or bool(PREFECT_API_URL.value())


def labels(severity: str | None, asset: str | None, network: str | None, mode: str | None) -> dict[str, str]:
    """The resource labels automations filter on (label values must be strings)."""
    return {"mmwatch.severity": str(severity or UNKNOWN), "mmwatch.asset": str(asset or UNKNOWN),
            "mmwatch.network": str(network or UNKNOWN), "mmwatch.mode": str(mode or UNKNOWN)}


def _session_resource(session_id: str, severity: str | None, asset: str | None, network: str | None,
                      mode: str | None) -> dict[str, str]:
    return {"prefect.resource.id": f"mmwatch.session.{session_id}", "prefect.resource.name": session_id,
            **labels(severity, asset, network, mode)}


def rule_failed_events(session_id: str, asset: str | None, rules: list[dict[str, Any]],
                       network: str | None = None, mode: str | None = None) -> list[dict[str, Any]]:
    """The events (as ``emit_event`` keyword arguments) of the failed rules, masked."""
    return [
        mask_secrets({
            "event": EVENT,
            "resource": _session_resource(session_id, r["severity"], asset, network, mode),
            "related": [{"prefect.resource.id": f"mmwatch.rule.{r['id']}", "prefect.resource.role": "rule",
                         "prefect.resource.name": r["id"]}],
            "payload": {"session": session_id, "asset": asset, "rule": r["id"], "title": r["title"],
                        "severity": r["severity"], "observed": r["observed"], "threshold": r["threshold"],
                        "summary": r.get("summary")},
        })
        for r in rules
        if r.get("passed") is False
    ]


def session_audited_event(digest: dict[str, Any]) -> dict[str, Any]:
    """The ``mmwatch.session.audited`` event of a session digest, masked."""
    return mask_secrets({
        "event": SESSION_EVENT,
        "resource": _session_resource(str(digest["session_id"]), digest["verdict"], digest.get("asset"),
                                      digest.get("network"), digest.get("mode")),
        "payload": digest,
    })


def live_event_name(rule_id: str) -> str:
    return LIVE_PREFIX + re.sub(r"[^a-z0-9]+", "-", rule_id.lower()).strip("-")


def live_event(record: dict[str, Any]) -> dict[str, Any]:
    """The ``mmwatch.live.<condition>`` event of a live alert record, masked."""
    supervise = str(record.get("supervise_id") or UNKNOWN)
    return mask_secrets({
        "event": live_event_name(str(record["rule_id"])),
        "resource": {"prefect.resource.id": f"mmwatch.supervise.{supervise}",
                     "prefect.resource.name": f"supervise {supervise}",
                     **labels(record.get("severity"), record.get("asset"), record.get("network"),
                              record.get("mode"))},
        "related": [{"prefect.resource.id": f"mmwatch.rule.{record['rule_id']}",
                     "prefect.resource.role": "rule", "prefect.resource.name": str(record["rule_id"])}],
        "payload": {k: v for k, v in record.items() if k != "delivery"},
    })


def event_for(record: dict[str, Any]) -> dict[str, Any] | None:
    """The event an alert record sends through the delivery path (digest and live ones), or None."""
    if record.get("kind") == "digest":
        return session_audited_event(record["digest"])
    if record.get("kind") == "live":
        return live_event(record)
    return None


def emit(kwargs: dict[str, Any]) -> bool:
    """Emit one event (masked again: the last step before it leaves); True when Prefect took it."""
    from prefect.events import emit_event

    return emit_event(**mask_secrets(kwargs)) is not None


def emit_rule_events(session_id: str, asset: str | None, rules: list[dict[str, Any]],
                     network: str | None = None, mode: str | None = None) -> int:
    """Emit one event per failed rule when a Prefect API is there; return how many were sent."""
    if not events_enabled():
        return 0
    return sum(emit(kwargs) for kwargs in rule_failed_events(session_id, asset, rules, network, mode))
