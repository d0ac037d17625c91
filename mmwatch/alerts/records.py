"""One alert record shape for every alert mmwatch sends: session digest, failed rule, live, publishing.

Every channel (webhook, apprise URL, Prefect block, event, file, table) reads the same record, so a
receiver handles one shape and the masking has one place to happen: ``alert_record`` masks what it
returns, ``message_text`` masks what it builds. Keys: ``alert_id`` (the dedup key), ``kind``
(``digest`` | ``rule`` | ``live`` | ``publish``), ``rule_id`` (``SESSION-DIGEST`` for the digest),
``severity``, ``title``, ``summary``, ``observed``, ``threshold``, ``remediation``, ``session``,
``asset``, ``network``, ``mode``, ``report_link``, ``created_at``; kind-specific extras after them
(the digest under ``digest``; ``supervise_id``, ``run_no``, ``stderr``, ``evidence`` ... for live).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from mmwatch.alerts.digest import CLEAN, DIGEST_RULE
from mmwatch.config import SEVERITIES
from mmwatch.masking import mask_secrets, mask_text

KINDS = ("digest", "rule", "live", "publish")


def now_iso() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


def alert_record(kind: str, alert_id: str, rule_id: str, severity: str, title: str | None,
                 summary: str | None, *, session: str | None = None, asset: str | None = None,
                 network: str | None = None, mode: str | None = None, observed: Any = None,
                 threshold: Any = None, remediation: str | None = None, report_link: str | None = None,
                 **extra: Any) -> dict[str, Any]:
    """The record, masked."""
    if kind not in KINDS:
        raise ValueError(f"alert kind must be one of {', '.join(KINDS)}, not {kind!r}")
    return mask_secrets({
        "alert_id": alert_id, "kind": kind, "rule_id": rule_id, "severity": severity, "title": title,
        "summary": summary, "observed": observed, "threshold": threshold, "remediation": remediation,
        "session": session, "asset": asset, "network": network, "mode": mode, "report_link": report_link,
        "created_at": now_iso(), **extra,
    })


def check_severity(name: str, value: str) -> int:
    if value not in SEVERITIES:
        raise ValueError(f"{name} must be one of {', '.join(SEVERITIES)}, not {value!r}")
    return SEVERITIES.index(value)


def rule_records(report: dict[str, Any], report_link: str | None, min_severity: str) -> list[dict[str, Any]]:
    """One record per failed rule of ``report`` whose severity is ``min_severity`` or above, masked."""
    floor = check_severity("alert_min_severity", min_severity)
    session = report["session"]
    return [
        alert_record("rule", f"{session['id']}:{rule['id']}", rule["id"], rule["severity"], rule.get("title"),
                     rule.get("summary"), session=session["id"], asset=session.get("asset"),
                     network=session.get("network"), mode=session.get("mode"), observed=rule.get("observed"),
                     threshold=rule.get("threshold"), remediation=rule.get("remediation"),
                     report_link=report_link)
        for rule in report.get("rules", [])
        if rule.get("passed") is False and SEVERITIES.index(rule["severity"]) >= floor
    ]


#: the name the first version had (tests and callers of ``mmwatch.alerts`` use it)
alert_records = rule_records


def digest_record(digest: dict[str, Any]) -> dict[str, Any]:
    """The ``SESSION-DIGEST`` alert of a session: its severity is the verdict (``info`` when clean)."""
    verdict = digest["verdict"]
    return alert_record(
        "digest", f"{digest['session_id']}:{DIGEST_RULE}", DIGEST_RULE,
        "info" if verdict == CLEAN else verdict, "Session digest", digest["text"].splitlines()[0],
        session=digest["session_id"], asset=digest.get("asset"), network=digest.get("network"),
        mode=digest.get("mode"), report_link=digest.get("link"), digest=digest,
    )


def rule_of(record: dict[str, Any]) -> str:
    """The rule id of a record (``rule``: records written before the shape was unified)."""
    return str(record.get("rule_id") or record.get("rule"))


def subject(record: dict[str, Any]) -> str:
    """A notification's title."""
    if record.get("kind") == "digest":
        verdict = record["digest"]["verdict"]
        where = " ".join(str(x) for x in (record.get("network"), record.get("asset")) if x)
        title = f"mmwatch: session {record.get('session')} {verdict}" + (f" ({where})" if where else "")
        return mask_text(title)
    if record.get("kind") == "live":
        return mask_text(f"mmwatch live: {record.get('title')} ({record['severity']})")
    return mask_text(f"mmwatch: {rule_of(record)} failed ({record['severity']})")


def message_text(record: dict[str, Any]) -> str:
    """The text of a notification (plain lines; Slack renders them as they are), masked."""
    kind = record.get("kind")
    if kind == "digest":
        return mask_text(record["digest"]["text"])
    if kind == "live":
        text = (f"[{record['severity'].upper()}] {record.get('title')}: {record.get('summary')} "
                f"(run {record.get('run_no')}, {record.get('log_file')})")
        return mask_text(text)
    where = " ".join(str(x) for x in (record.get("network"), record.get("asset")) if x)
    text = (f"[{record['severity'].upper()}] {rule_of(record)} failed in session {record.get('session')}"
            f"{f' ({where})' if where else ''}: {record.get('summary') or ''} "
            f"(observed {record.get('observed')}, threshold {record.get('threshold')})")
    if record.get("report_link"):
        text += f"\nReport: {record['report_link']}"
    return mask_text(text)


def webhook_body(record: dict[str, Any]) -> dict[str, Any]:
    """Slack-compatible JSON: ``text`` for Slack and chat tools, the whole record under ``alert``."""
    return {"text": message_text(record), "alert": mask_secrets(record)}
