"""The one-screen summary ``mmwatch audit`` prints for each session."""

from __future__ import annotations

from typing import Any


def _num(value: Any, digits: int = 2, unit: str = "") -> str:
    if value is None:
        return "n/a (not in log)"
    if isinstance(value, float):
        return f"{value:,.{digits}f}{unit}"
    return f"{value:,}{unit}" if isinstance(value, int) else f"{value}{unit}"


def summary_text(report: dict[str, Any], report_dir: str, published: str | None = None) -> str:
    s, f, lines = report["session"], report["fills"], report["lines"]
    lv = lines["by_level"]
    failed = [r for r in report["rules"] if r["passed"] is False]
    not_eval = sum(1 for r in report["rules"] if r["passed"] is None)
    rows = [
        f"session {s['id']}  ({s['asset'] or '?'} {s['network'] or '?'}, end: {s['end']})",
        f"  source      {s['source']}",
        f"  time        {s['started_at']} -> {s['ended_at']}  ({_num(s['duration_s'] / 60, 1)} min)",
        f"  lines       {lines['total']:,} = {lines['events']:,} events + {lines['other']:,} other;"
        f"  DEBUG {lv['DEBUG']:,}  INFO {lv['INFO']:,}  WARN {lv['WARN']:,}  ERROR {lv['ERROR']:,}",
        f"  fills       {f['total']} ({f['tracked']} tracked, {f['untracked']} untracked; "
        f"{f['buys']} buys, {f['sells']} sells)",
        f"  account     {_num(report['account']['initial_value'])} -> equity "
        f"{_num(report['account']['final_value'])}, free margin {_num(report['account']['final_margin_available'])}",
        f"  position    final {_num(report['position']['final'], 6)}",
        f"  kill switch {'TRIGGERED: ' + '; '.join(report['kill_switch']['reasons']) if report['kill_switch']['triggered'] else 'not triggered'}",
    ]
    if report["rules"]:
        rows.append(f"  rules       {len(report['rules'])} evaluated, {len(failed)} failed, {not_eval} not evaluated")
        for r in sorted(failed, key=lambda r: ("critical", "high", "medium", "info").index(r["severity"])):
            rows.append(f"    FAIL {r['severity'].upper():8} {r['id']}: observed {r['observed']} (threshold {r['threshold']})")
    rows.append(f"  report      {report_dir}/report.md  (.json, .html beside it)")
    if published:
        rows.append(f"  published   {published}")
    return "\n".join(rows) + "\n"
