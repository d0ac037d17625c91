"""The one-screen summary ``mmwatch audit`` prints for each session.

A terminal is an outbound text too (scrollback, CI logs, a screen share): the text is masked like
a report, and each value from the log is put on one line without control characters (an asset
holding an escape sequence must not repaint the screen).
"""

from __future__ import annotations

from typing import Any

from mmwatch.masking import mask_text
from mmwatch.report.render_md import SEVERITY_ORDER, no_control, num, one_line, qty, usd


def summary_text(report: dict[str, Any], report_dir: str, published: str | None = None) -> str:
    """Figures, rule verdicts and where the report is: the whole screen for one session."""
    return figures_text(report) + verdict_text(report, report_dir, published)


def figures_text(report: dict[str, Any]) -> str:
    """The session's figures: printed as soon as the audit tables exist, before the rules run."""
    s, f, lines = report["session"], report["fills"], report["lines"]
    asset, network = (one_line(s[k]) if s[k] else "?" for k in ("asset", "network"))
    lv = lines["by_level"]
    acct = report["account"]
    ks = report["kill_switch"]
    rows = [
        f"session {s['id']}  ({asset} {network}{', paper' if s.get('mode') == 'paper' else ''}, "
        f"end: {s['end']})",
        f"  source      {one_line(s['source'])}",
        f"  time        {s['started_at']} -> {s['ended_at']}  ({num(s['duration_s'] / 60, 1)} min)",
        f"  lines       {lines['total']:,} = {lines['events']:,} events + {lines['other']:,} other;"
        f"  DEBUG {lv['DEBUG']:,}  INFO {lv['INFO']:,}  WARN {lv['WARN']:,}  ERROR {lv['ERROR']:,}",
        f"  fills       {f['total']} ({f['tracked']} tracked, {f['untracked']} untracked; "
        f"{f['buys']} buys, {f['sells']} sells)",
        f"  account     initial {usd(acct['initial_value'])}; "
        f"final free margin {usd(acct['final_margin_available'])}",
        f"  position    final {qty(report['position']['final'])}",
        f"  kill switch {'TRIGGERED: ' + '; '.join(ks['reasons']) if ks['triggered'] else 'not triggered'}",
    ]
    return mask_text("\n".join(no_control(row) for row in rows)) + "\n"


def verdict_text(report: dict[str, Any], report_dir: str, published: str | None = None) -> str:
    """The rule verdicts and the report's location."""
    failed = [r for r in report["rules"] if r["passed"] is False]
    not_eval = sum(1 for r in report["rules"] if r["passed"] is None)
    rows: list[str] = []
    if report["rules"]:
        passed = len(report["rules"]) - len(failed) - not_eval
        rows.append(
            f"  rules       {len(report['rules'])} rules: {passed} passed, {len(failed)} failed, "
            f"{not_eval} not evaluated"
        )
        for r in sorted(failed, key=lambda r: SEVERITY_ORDER.index(r["severity"])):
            what = (
                r.get("summary")
                or f"observed {_value(r['observed'])} (threshold {_value(r['threshold'])})"
            )
            rows.append(f"    FAIL {r['severity'].upper():8} {r['id']}: {what}")
    else:
        rows.append("  rules       none evaluated")
    rows.append(f"  report      {report_dir}/report.md  (.json, .html beside it)")
    if published:
        rows.append(f"  published   {published}")
    return mask_text("\n".join(no_control(row) for row in rows)) + "\n"


def _value(value: Any) -> str:
    """A rule's observed/threshold value as plain text (no Markdown escapes on a terminal)."""
    return "not in log" if value is None else num(value) if isinstance(value, int | float) else str(value)
