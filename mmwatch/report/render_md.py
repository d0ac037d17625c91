"""report.md: the hand-written audit's skeleton, filled from report.json."""

from __future__ import annotations

from typing import Any


def _fmt(value: Any, unit: str = "", digits: int = 2) -> str:
    if value is None:
        return "not in log"
    if isinstance(value, float):
        return f"{value:,.{digits}f}{unit}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}{unit}"
    return f"{value}{unit}"


def render_markdown(report: dict[str, Any]) -> str:
    s, f, lines = report["session"], report["fills"], report["lines"]
    acct, pos, ks = report["account"], report["position"], report["kill_switch"]
    out = [
        f"# Session: {s['started_at'][:10]} {s['network'] or 'unknown network'} {s['asset'] or 'unknown asset'} Log Audit",
        "",
        "## Session Metrics",
        f"- **Duration**: {_fmt(s['duration_s'] / 60, ' minutes', 1)} ({s['started_at']} → {s['ended_at']}), end: {s['end']}",
        f"- **Asset**: {s['asset'] or 'not in log'} on {s['network'] or 'network not in log'}",
        f"- **Initial Account**: {_fmt(acct['initial_value'])}",
        f"- **Final Margin**: {_fmt(acct['final_margin_available'])} (final equity: {_fmt(acct['final_value'])})",
        f"- **Final Position**: {_fmt(pos['final'], '', 6)}",
        f"- **Total Fills**: {f['total']} ({f['tracked']} tracked, {f['untracked']} untracked; {f['buys']} buys, {f['sells']} sells)",
        f"- **Warnings/Errors**: {lines['by_level']['WARN'] + lines['by_level']['ERROR']:,}",
        f"- **Kill switch**: {'TRIGGERED: ' + '; '.join(ks['reasons']) if ks['triggered'] else 'not triggered'}",
        "",
        "## Files Analyzed",
        *[f"- `{item['path']}` ({_fmt(item['bytes'], ' bytes')})" for item in report["files"]],
        "",
    ]
    return "\n".join(out)
