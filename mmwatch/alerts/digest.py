"""The session digest: what a trading desk reads first about one audited session, in one message.

A session fails a dozen rules of mixed weight (SESSION-DURATION at ``info`` beside FILL-UNTRACKED
at ``critical``); one notification per rule buries the one that matters. The digest is one record
per session: the verdict (the worst failed severity, or ``clean``), the counts per severity, the
top findings with their figures, the kill-switch state, the P&L and where the report is. It is the
payload of the ``SESSION-DIGEST`` alert, of the ``mmwatch.session.audited`` event and of
``mmwatch audit --json``.

A pure function of report.json (no I/O), masked on the way out: findings quote the log.
"""

from __future__ import annotations

from typing import Any

from mmwatch.config import SEVERITIES
from mmwatch.masking import mask_secrets

DIGEST_RULE = "SESSION-DIGEST"
TOP_FINDINGS = 5
CLEAN = "clean"


def _rank(severity: str | None) -> int:
    return SEVERITIES.index(severity) if severity in SEVERITIES else -1


def verdict_of(rules: list[dict[str, Any]]) -> str:
    """The worst severity among the failed rules, or ``clean``."""
    failed = [r.get("severity") for r in rules if r.get("passed") is False]
    worst = max(failed, key=_rank, default=None)
    return worst if worst in SEVERITIES else CLEAN


def _figure(value: Any) -> Any:
    """Observed values as a reader takes them: 0.6666666666666666 -> 0.6667."""
    if isinstance(value, float):
        return round(value, 4)
    return value


def _money(value: Any) -> float | None:
    return round(float(value), 2) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _usd(value: float | None) -> str:
    return "n/a" if value is None else f"{value:+,.2f} USD"


def digest_text(d: dict[str, Any]) -> str:
    """A short multi-line message: verdict, findings, kill switch, P&L, link."""
    where = " ".join(str(x) for x in (d.get("network"), d.get("asset"), d.get("mode")) if x)
    counts = d["counts"]
    failed = ", ".join(f"{counts[s]} {s}" for s in reversed(SEVERITIES) if counts.get(s))
    head = (f"[{d['verdict'].upper()}] session {d['session_id']}" + (f" ({where})" if where else "")
            + f": {failed or 'no rule'} failed, {counts['passed']} passed, "
              f"{counts['not_evaluated']} not evaluated")
    lines = [head]
    for f in d["top_findings"]:
        lines.append(f"- [{f['severity']}] {f['rule_id']}: {f.get('summary') or ''} "
                     f"(observed {f.get('observed')}, threshold {f.get('threshold')})")
    ks = d["kill_switch"]
    lines.append("Kill switch: " + ("TRIGGERED (" + "; ".join(str(r) for r in ks["reasons"]) + ")"
                                    if ks["triggered"] else "not triggered"))
    pnl = d["pnl"]
    if pnl is None:
        lines.append("P&L: n/a")
    else:
        lines.append(f"P&L: total {_usd(pnl['total_usd'])} (realized {_usd(pnl['realized_usd'])}, "
                     f"unrealized {_usd(pnl['unrealized_usd'])})")
    if d.get("link"):
        lines.append(f"Report: {d['link']}")
    return "\n".join(lines)


def session_digest(report: dict[str, Any], link: str | None) -> dict[str, Any]:
    """The digest of one session's report.json; ``link``: its published URL, else the local
    path of report.html. Masked."""
    session = report.get("session") or {}
    rules = report.get("rules") or []
    counts: dict[str, int] = {s: 0 for s in SEVERITIES}
    counts["passed"] = 0
    counts["not_evaluated"] = 0
    for r in rules:
        if r.get("passed") is True:
            counts["passed"] += 1
        elif r.get("passed") is False:
            if r.get("severity") in counts:
                counts[r["severity"]] += 1
        else:
            counts["not_evaluated"] += 1
    failed = sorted((r for r in rules if r.get("passed") is False), key=lambda r: -_rank(r.get("severity")))
    top = [{"rule_id": r.get("id"), "severity": r.get("severity"), "summary": r.get("summary"),
            "observed": _figure(r.get("observed")), "threshold": r.get("threshold")}
           for r in failed[:TOP_FINDINGS]]
    ks = report.get("kill_switch") or {}
    pnl_in = report.get("pnl")
    pnl = None
    if isinstance(pnl_in, dict):
        pnl = {k: _money(pnl_in.get(k)) for k in ("total_usd", "realized_usd", "unrealized_usd")}
    digest: dict[str, Any] = {
        "session_id": session.get("id"),
        "asset": session.get("asset"),
        "network": session.get("network"),
        "mode": session.get("mode"),
        "bot_era": session.get("bot_era"),
        "verdict": verdict_of(rules),
        "counts": counts,
        "top_findings": top,
        "kill_switch": {"triggered": bool(ks.get("triggered")), "reasons": list(ks.get("reasons") or [])},
        "pnl": pnl,
        "link": link,
    }
    digest = mask_secrets(digest)
    digest["text"] = digest_text(digest)  # built from masked parts; masked again below for the joins
    return mask_secrets(digest)
