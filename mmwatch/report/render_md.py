"""report.md: the hand-written audit's skeleton (audit_rules.md §5), filled from report.json.

Sections in the author's order: title, Summary, Session Metrics, Critical Issues, Persistent
Warnings, Warning taxonomy, What Worked Well, Not evaluated, Recommended Actions, Files Analyzed.
Judgements come only from ``report["rules"]`` (failed critical/high -> Critical Issues, failed
medium/info -> Persistent Warnings, passed -> What Worked Well, ``passed: null`` -> Not evaluated);
every figure comes from report.json, and a figure the log does not carry reads "not in log".

Every value that comes from a log (asset, network, messages, templates, kill-switch reasons, rule
summaries that quote them, file names) goes through ``md`` (text), ``md_code`` (inside a code
span) or ``md_block`` (a line of a code block): one line (newlines and control characters out, so a
value never starts a heading, a list item or a raw HTML line) with Markdown's active characters
escaped (``[x](http://…)`` and ``<img …>`` read as text, a ``|`` never splits a table cell, a
leading ``>`` or ``#`` is not a block quote or a heading). report.md is published and shown as a
Prefect artifact, where any renderer may display it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

NOT_IN_LOG = "not in log"
SEVERITY_ORDER = ("critical", "high", "medium", "info")
TAXONOMY_TOP = 12


# -- escaping -----------------------------------------------------------------------------------
#: C0/C1 controls, line and paragraph separators, zero-width and bidirectional-override characters:
#: none belongs in a one-line value, and each can reorder, hide or break what a reader sees
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069\ufeff]+")
#: characters with a meaning anywhere in a line (links, images, HTML, emphasis, code, table cells);
#: ``>`` only opens a block quote at the start (``_BLOCK_START``), and "a -> b" stays readable
_MD_ACTIVE = re.compile(r"([\\`*\[\]<|])")
#: what opens a block at the start of a line: heading, quote, list item, numbered item, fence, rule
_BLOCK_START = re.compile(r"^(#|>|[-+*] |\d+[.)]( |$)|~~~|=+$|-+$)")


def no_control(value: Any) -> str:
    """``value`` as text with each run of newlines and control characters made one space."""
    return _CONTROL.sub(" ", str(value))


def one_line(value: Any) -> str:
    """``value`` as text on one line: newlines and control characters become one space."""
    return no_control(value).strip()


def md(value: Any) -> str:
    """A value from a log, safe as Markdown text: one line, active characters backslash-escaped."""
    text = _MD_ACTIVE.sub(r"\\\1", one_line(value))
    return "\\" + text if _BLOCK_START.match(text) else text


def md_code(value: Any, in_table: bool = False) -> str:
    """A value from a log, safe inside a code span (where backslash escapes do not work): one line,
    backticks made quotes; in a table cell ``|`` escaped (GFM splits cells before code spans)."""
    text = one_line(value).replace("`", "'")
    return text.replace("|", "\\|") if in_table else text


def md_block(value: Any) -> str:
    """A value from a log as one line of a fenced code block (no fence can close it early)."""
    return one_line(value).replace("```", "'''").replace("~~~", "'''")


# -- formatting ---------------------------------------------------------------------------------
def num(value: Any, digits: int = 2, unit: str = "") -> str:
    """A figure with thousands separators, or "not in log" for ``None``."""
    if value is None:
        return NOT_IN_LOG
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int):
        return f"{value:,}{unit}"
    if isinstance(value, float):
        return f"{value:,.{digits}f}{unit}"
    return f"{value}{unit}"


def usd(value: float | None, signed: bool = False) -> str:
    if value is None:
        return NOT_IN_LOG
    sign = "-" if value < 0 else ("+" if signed and value > 0 else "")
    return f"{sign}${abs(value):,.2f}"


def pct(value: float | None, digits: int = 1) -> str:
    return NOT_IN_LOG if value is None else f"{value:,.{digits}f} %"


def qty(value: float | None) -> str:
    """A position or size as the bot prints it (no padding zeros): -0.0115."""
    return NOT_IN_LOG if value is None else f"{value:.8f}".rstrip("0").rstrip(".").replace("-0", "-0", 1)


def clock(ts: str | None) -> str:
    """``HH:MM:SS`` of an RFC 3339 timestamp."""
    if not ts:
        return NOT_IN_LOG
    return datetime.fromisoformat(ts.replace("Z", "+00:00")).strftime("%H:%M:%S")


def duration(seconds: float | None) -> str:
    if seconds is None:
        return NOT_IN_LOG
    if seconds < 120:
        return f"{seconds:.0f} seconds"
    if seconds < 3 * 3600:
        return f"~{seconds / 60:.0f} minutes"
    return f"~{seconds / 3600:.1f} hours"


def size_text(n: int | None) -> str:
    if n is None:
        return NOT_IN_LOG
    for unit, scale in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if n >= scale:
            return f"{n / scale:.1f} {unit} ({n:,} bytes)"
    return f"{n:,} bytes"


def value_text(value: Any) -> str:
    """A rule's observed/threshold value, whatever its JSON type."""
    if value is None:
        return NOT_IN_LOG
    if isinstance(value, float | int) and not isinstance(value, bool):
        return num(value, 2 if isinstance(value, float) and abs(value) < 1e6 else 0)
    if isinstance(value, dict | list):
        return md(json.dumps(value, ensure_ascii=False))
    return md(value)


def network_name(session: dict[str, Any]) -> str:
    net = session.get("network")
    return md(net.capitalize()) if net else "unknown network"


# -- figure blocks, by the rule they illustrate --------------------------------------------------
def _pricing_lines(r: dict[str, Any]) -> list[str]:
    p = r["pricing"]
    micro, mid = p.get("crossed_microprice_range") or [None, None], p.get("crossed_mid_range") or [None, None]
    out = [f"- **Crossed-mid clamps**: {p['crossed_mid_events']:,}"]
    if micro[0] is not None:
        out.append(
            f"- **Microprice**: {usd(micro[0])}-{usd(micro[1])} while market mid was "
            f"{usd(mid[0])}-{usd(mid[1])}"
        )
    out.append(
        f"- **Deviation**: max {num(p['max_microprice_mid_bps'], 0, ' bps')}"
        + (f" ({p['max_microprice_mid_bps'] / 100:.1f} %)" if p["max_microprice_mid_bps"] is not None else "")
    )
    out.append(_drift_line(r))
    return out


def _drift_line(r: dict[str, Any]) -> str:
    p = r["pricing"]
    if not p["price_drift_events"]:
        return "- **Large price drift warnings**: none"
    return (
        f"- **Large price drift warnings**: {p['price_drift_events']:,} "
        f"({num(p.get('min_price_drift_bps'), 0)}-{num(p['max_price_drift_bps'], 0)} bps)"
    )


def _fills_lines(r: dict[str, Any], with_example: bool = True) -> list[str]:
    f = r["fills"]
    out = [
        f"- **Untracked**: {f['untracked']}/{f['total']} fills"
        + (f" ({f['untracked_ratio'] * 100:.0f} %)" if f["untracked_ratio"] is not None else "")
    ]
    examples = f.get("untracked_fills") or []
    if examples and with_example:
        e = examples[0]
        word = "bought" if e.get("side") == "buy" else "sold"
        out.append("```")
        out.append(md_block(
            f"[Fill] Untracked order filled: oid={e.get('oid')} ... {word} {qty(e.get('size'))} "
            f"{r['session']['asset'] or ''}".rstrip()
            + f"   (line {e.get('line_no')})"
        ))
        out.append("```")
    return out


def _rate_lines(r: dict[str, Any]) -> list[str]:
    rl = r["rate_limit"]
    out = [
        f"- **Headroom**: {pct(rl.get('first_headroom_pct'))} → {pct(rl.get('last_headroom_pct'))} "
        f"(min {pct(rl['min_headroom_pct'])}, max {pct(rl['max_headroom_pct'])})",
        f"- **Used**: {num(rl['min_used'])} → {num(rl['max_used'])} of {num(rl['cap'])} cap",
    ]
    if rl["low_headroom_events"]:
        span = rl.get("throttle_span_s")
        out.append(
            f"- **Result**: {rl['low_headroom_events']:,} throttled reconciliations"
            + (f" over {duration(span)}" if span else "")
        )
    return out


def _ladder_lines(r: dict[str, Any]) -> list[str]:
    ld = r["ladder"]
    out = [
        f"- **Configured**: {num(ld['configured_levels'])} levels",
        f"- **Effective**: {num(ld['min_effective_bid'])} bid / {num(ld['min_effective_ask'])} ask (min)",
    ]
    if ld.get("mode_effective_bid") is not None:
        out[-1] += f"; most often {ld['mode_effective_bid']} bid / {ld['mode_effective_ask']} ask"
    out.append(f"- **Reductions**: {ld['reduction_events']:,} cycles")
    return out


def _warmup_lines(r: dict[str, Any]) -> list[str]:
    w = r["warmup"]
    return [
        f"- **First quote**: {clock(w.get('first_quote_at'))} UTC with "
        f"{num(w['first_quote_volume_ticks'])}/{num(w['required_volume_ticks'])} volume ticks"
    ]


def _sync_lines(r: dict[str, Any]) -> list[str]:
    sy = r["safety_sync"]
    return [f"- **Safety sync**: {sy['checks']:,} checks, {sy['mismatches']:,} mismatches"]


#: Figures printed under a rule (and, without rule results, as unjudged blocks when present).
DETAILS: dict[str, Callable[[dict[str, Any]], list[str]]] = {
    "PRICE-MICROPRICE-DIVERGENCE": _pricing_lines,
    "PRICE-CROSSED-MID": _pricing_lines,
    "PRICE-QUOTE-DRIFT": lambda r: [_drift_line(r)],
    "FILL-UNTRACKED": _fills_lines,
    "RATE-HEADROOM": _rate_lines,
    "RATE-THROTTLE": _rate_lines,
    "LADDER-CAPACITY": _ladder_lines,
    "WARMUP-BYPASS": _warmup_lines,
    "SYNC-MISMATCH": _sync_lines,
}


# -- sections -------------------------------------------------------------------------------------
def _summary(r: dict[str, Any], failed: list[dict[str, Any]]) -> list[str]:
    s = r["session"]
    ends = {
        "graceful": "ended with a graceful shutdown",
        "kill_switch": "ended by the kill switch",
        "planned": "a paper phase that ran its planned duration",
        "abrupt": "ended abruptly (no shutdown lines)",
    }
    mode = "paper-trading" if s.get("mode") == "paper" else "live"
    text = (
        f"Audited {network_name(s)} {md(s['asset']) if s['asset'] else 'unknown-asset'} {mode} market maker "
        f"session from "
        f"{s['started_at'][:10]} ({_run_length(s['duration_s'])} run, {ends[s['end']]})."
    )
    if not r["rules"]:
        text += " No rule results: the rules were not evaluated for this session, so nothing below is judged."
    else:
        serious = [x for x in failed if x["severity"] in ("critical", "high")]
        if serious:
            text += (
                " Identified " + "; ".join(
                    f"{md(x['id'])}: {_said(x)} ({x['severity'].upper()})"
                    for x in serious) + "."
            )
        else:
            text += f" No critical or high finding; {len(failed)} lower-severity rule(s) failed."
    return ["## Summary", text, ""]


def _unknown_text(lines: dict[str, Any]) -> str:
    unknown = (lines.get("unknown_templates") or {}).get("count") or 0
    return f"; {unknown} WARN/ERROR templates it does not know (LOG-UNKNOWN)" if unknown else ""


def _run_length(seconds: float | None) -> str:
    """ "18-minute" for the summary sentence."""
    if seconds is None:
        return "unknown-length"
    if seconds < 120:
        return f"{seconds:.0f}-second"
    if seconds < 3 * 3600:
        return f"{seconds / 60:.0f}-minute"
    return f"{seconds / 3600:.1f}-hour"


def _metrics(r: dict[str, Any]) -> list[str]:
    s, f, lines, acct = r["session"], r["fills"], r["lines"], r["account"]
    pos, ks, p, rl, ld, w, sy = (
        r["position"],
        r["kill_switch"],
        r["pricing"],
        r["rate_limit"],
        r["ladder"],
        r["warmup"],
        r["safety_sync"],
    )
    lv = lines["by_level"]
    asset = md(s["asset"]) if s["asset"] else NOT_IN_LOG
    net = network_name(s) + (" (from the file name)" if s.get("network_from") == "file name" else "")
    out = [
        "## Session Metrics",
        f"- **Duration**: {duration(s['duration_s'])} "
        f"({clock(s['started_at'])} → {clock(s['ended_at'])} UTC, "
        f"{s['duration_s']:,.0f} s); end: {s['end']}",
        f"- **Asset**: {asset} on {net}",
        f"- **Mode**: {md(s.get('mode', 'live'))}"
        + (" (simulated fills; nothing of it counts as trading)" if s.get("mode") == "paper" else ""),
        f"- **Bot code era**: {md(s.get('bot_era') or 'unknown (its templates match several eras equally)')}"
        + _unknown_text(lines),
    ]
    out.append(f"- **Initial Account**: {usd(acct['initial_value'])}")
    margin = acct.get("final_margin_available")
    if margin is not None and acct["initial_value"] is not None:
        change = margin - acct["initial_value"]
        out.append(
            f"- **Final Margin**: {usd(margin)} free margin ({usd(change, signed=True)} against the initial "
            f"account value)"
        )
    else:
        out.append(f"- **Final Margin**: {usd(margin)}")
    if acct["final_value"] is not None and acct.get("equity_samples", 0) > 1:
        out.append(f"- **Final Account Value**: {usd(acct['final_value'])}")
    side = ""
    unit = f" {md(s['asset'])}" if pos["final"] is not None and s["asset"] else ""
    if pos["final"] is not None:
        side = " (short)" if pos["final"] < 0 else (" (long)" if pos["final"] > 0 else " (flat)")
    out.append(
        f"- **Final Position**: {qty(pos['final'])}{unit}{side}"
        + (f" (from {md(pos['final_from'])})" if pos.get("final_from") else "")
        + (f"; {qty(pos['at_shutdown'])}{unit} at shutdown, before the close-on-exit order"
           if pos.get("at_shutdown") is not None and pos.get("at_shutdown") != pos["final"] else "")
    )
    if f.get("simulated"):
        out.append(f"- **Total Fills**: {f['total']:,} simulated (`[SIM] Fill decided`; "
                   f"{f['buys']:,} buys, {f['sells']:,} sells)")
    else:
        out.append(
            f"- **Total Fills**: {f['total']:,} ({f['tracked']:,} tracked, {f['untracked']:,} untracked; "
            f"{f['buys']:,} buys, {f['sells']:,} sells)"
        )
    out.append(
        f"- **Warnings/Errors**: {lv['WARN'] + lv['ERROR']:,} ({lv['WARN']:,} WARN, {lv['ERROR']:,} ERROR)"
    )
    if ks["triggered"]:
        reasons = "; ".join(md(x) for x in ks["reasons"])
        out.append(f"- **Kill switch**: TRIGGERED ({reasons or 'reason not in log'})")
    elif ks.get("not_triggered_logged"):
        out.append("- **Kill switch**: not triggered (`Kill switch was NOT triggered` at shutdown)")
    else:
        out.append("- **Kill switch**: no trigger logged (no shutdown verdict in the log)")
    out.append(
        f"- **Tracked P&L**: {usd(f.get('tracked_pnl_usd'), signed=True)} "
        "(last cumulative P&L on a tracked fill line)"
    )
    pnl = r.get("pnl") or {}
    if pnl.get("total_usd") is not None:
        out.append(
            f"- **P&L (bot's decomposition)**: total {usd(pnl['total_usd'], signed=True)} = realized "
            f"{usd(pnl['realized_usd'], signed=True)} + unrealized "
            f"{usd(pnl['unrealized_usd'], signed=True)}; "
            f"spread capture {usd(pnl['spread_capture_usd'], signed=True)}, adverse selection "
            f"{usd(pnl['adverse_selection_usd'], signed=True)}, fees {usd(pnl['fees_usd'], signed=True)}, "
            f"funding {usd(pnl['funding_usd'], signed=True)}"
        )
    edge = r.get("edge") or {}
    if edge.get("resolved"):
        out.append(
            f"- **Edge**: {edge['resolved']:,} fills resolved, mean {num(edge['mean_edge_bps'], 1, ' bps')}, "
            f"win rate {pct(None if edge['win_rate'] is None else 100 * edge['win_rate'])}; "
            f"{edge['adverse_fills']:,} adverse fills (5 s markout)"
        )
    quoting = r.get("quoting") or {}
    if quoting.get("uptime") is not None:
        out.append(
            f"- **Quoting uptime**: {pct(100 * quoting['uptime'])} of {quoting['cycle_summaries']:,} cycles "
            f"quoted both sides; {quoting['regime_transitions']:,} regime transitions"
        )
    micro = p.get("crossed_microprice_range") or [None, None]
    price = f"- **Pricing**: {p['crossed_mid_events']:,} crossed-mid clamps"
    if micro[0] is not None:
        mid = p.get("crossed_mid_range") or [None, None]
        price += f" (microprice {usd(micro[0])}-{usd(micro[1])} vs mid {usd(mid[0])}-{usd(mid[1])})"
    if p.get("bbo_crossing_filtered_events") or p.get("bbo_crossing_skipped_events"):
        price += (f", {p['bbo_crossing_filtered_events']:,} BBO-crossing filters, "
                  f"{p['bbo_crossing_skipped_events']:,} cycles skipped for BBO crossing")
    price += f"; max microprice-mid divergence {num(p['max_microprice_mid_bps'], 0, ' bps')}"
    if p["price_drift_events"]:
        price += f"; {_drift_line(r)[len('- **Large price drift warnings**: ') :]} price-drift warnings"
    else:
        price += "; no price-drift warning"
    out.append(price)
    if p.get("median_spread_bps") is None:
        out.append(f"- **Spread**: {NOT_IN_LOG}")
    else:
        out.append(
            f"- **Spread**: median {num(p.get('median_spread_bps'), 1, ' bps')} (mean "
            f"{num(p['mean_spread_bps'], 1, ' bps')}, p95 {num(p.get('p95_spread_bps'), 1, ' bps')})"
        )
    if rl["low_headroom_events"] or rl["min_headroom_pct"] is not None:
        out.append(
            f"- **Rate limit**: headroom {pct(rl.get('first_headroom_pct'))} → "
            f"{pct(rl.get('last_headroom_pct'))} (min {pct(rl['min_headroom_pct'])}, "
            f"max {pct(rl['max_headroom_pct'])}); "
            # the January throttle WARNs carry used/cap; the March lines carry headroom_pct only
            + (f"used {num(rl['min_used'])} → {num(rl['max_used'])} of {num(rl['cap'])} cap; "
               if rl.get("cap") is not None else "")
            + f"{rl['low_headroom_events']:,} throttle warnings"
        )
    else:
        out.append(f"- **Rate limit**: headroom {NOT_IN_LOG}")
    if ld["configured_levels"] is None and not ld["reduction_events"]:
        out.append(f"- **Ladder**: {NOT_IN_LOG} (no ladder configuration or reduction line)")
    else:
        out.append(
            f"- **Ladder**: configured {num(ld['configured_levels'])} levels; "
            f"effective {num(ld['min_effective_bid'])} "
            f"bid / {num(ld['min_effective_ask'])} ask (min); {ld['reduction_events']:,} reductions"
        )
    out.append(
        f"- **Warm-up**: first quote at {clock(w.get('first_quote_at'))} UTC after "
        f"{num(w['first_quote_volume_ticks'])}/{num(w['required_volume_ticks'])} volume ticks"
    )
    out.append(f"- **Safety sync**: {sy['checks']:,} checks, {sy['mismatches']:,} mismatches")
    out.append(
        f"- **Lines**: {lines['total']:,} read = {lines['events']:,} events + {lines['other']:,} other"
        + (
            " (" + ", ".join(f"{md(k)} {v:,}" for k, v in sorted(lines.get("other_by_reason", {}).items()))
            + ")"
            if lines.get("other_by_reason")
            else ""
        )
    )
    return out + [""]


def _rule_block(n: int, rule: dict[str, Any], r: dict[str, Any], shown: set[Any]) -> list[str]:
    """One failed rule: its figures, then its evidence lines. ``shown``: figure blocks already
    printed under an earlier rule (two rules may share one block), updated here."""
    sev = rule["severity"].upper()
    # The title states what should hold ("Untracked order fills below 25%"); a failure reads better
    # as what was seen.
    head = f"### {n}. {md(rule['id'])}: {_said(rule)} ({sev})"
    out = [
        head,
        f"- **Rule**: `{md_code(rule['id'])}` {md(rule['title'])}",
        f"- **Observed**: {value_text(rule['observed'])}",
        f"- **Threshold**: {value_text(rule['threshold'])}",
    ]
    if rule.get("remediation"):
        out.append(f"- **Remediation**: {md(rule['remediation'])}")
    evidence = rule.get("evidence") or []
    details = DETAILS.get(rule["id"])
    if details is not None and details not in shown:
        shown.add(details)
        out += _fills_lines(r, with_example=not evidence) if details is _fills_lines else details(r)
    if evidence:
        out.append("")
        out.append("```")
        out += [md_block(f"l.{e.get('line_no')} {e.get('ts') or ''} {e.get('text') or ''}") for e in evidence]
        out.append("```")
    return out + [""]


def _said(rule: dict[str, Any]) -> str:
    """What a failed rule saw: its summary, else its observed value (both may quote the log)."""
    return md(rule["summary"]) if rule.get("summary") else value_text(rule["observed"])


def _unjudged_blocks(r: dict[str, Any], shown: set[str]) -> list[str]:
    """Figure blocks for recurring warnings no rule result covers (e.g. before rules exist)."""
    blocks = [
        (
            "Microprice Divergence",
            ("PRICE-MICROPRICE-DIVERGENCE", "PRICE-CROSSED-MID"),
            r["pricing"]["crossed_mid_events"] > 0,
            _pricing_lines,
        ),
        ("Untracked Order Fills", ("FILL-UNTRACKED",), r["fills"]["untracked"] > 0, _fills_lines),
        (
            "Rate Limit Pressure",
            ("RATE-HEADROOM", "RATE-THROTTLE"),
            r["rate_limit"]["low_headroom_events"] > 0,
            _rate_lines,
        ),
        ("Ladder Level Reduction", ("LADDER-CAPACITY",), r["ladder"]["reduction_events"] > 0, _ladder_lines),
    ]
    out: list[str] = []
    for title, ids, present, fn in blocks:
        if present and not shown.intersection(ids):
            out += [f"### {title} (not judged by a rule)", *fn(r), ""]
    return out


def _taxonomy(r: dict[str, Any]) -> list[str]:
    rows = r.get("warning_taxonomy") or []
    out = ["## Warning taxonomy"]
    if not rows:
        return out + ["No WARN or ERROR line in this session.", ""]
    total = sum(x["count"] for x in rows)
    out += [
        f"{total:,} WARN/ERROR lines in {len(rows):,} templates.",
        "",
        "| # | level | template | count | share | first line | last line |",
        "|---|---|---|---:|---:|---:|---:|",
    ]
    for i, x in enumerate(rows[:TAXONOMY_TOP], 1):
        template = one_line(x["template"])
        if len(template) > 110:
            template = template[:107] + "..."
        out.append(
            f"| {i} | {md(x['level'])} | `{md_code(template, in_table=True)}` | {x['count']:,} | "
            f"{x['count'] / total * 100:.1f} % | "
            f"{x['first_line']:,} | {x['last_line']:,} |"
        )
    rest = rows[TAXONOMY_TOP:]
    if rest:
        n = sum(x["count"] for x in rest)
        out.append(f"| | | other ({len(rest):,} templates) | {n:,} | {n / total * 100:.1f} % | | |")
    return out + [""]


def render_markdown(report: dict[str, Any]) -> str:
    r = report
    s = r["session"]
    rules = sorted(r["rules"], key=lambda x: SEVERITY_ORDER.index(x["severity"]))
    failed = [x for x in rules if x["passed"] is False]
    critical = [x for x in failed if x["severity"] in ("critical", "high")]
    persistent = [x for x in failed if x["severity"] in ("medium", "info")]
    passed = [x for x in rules if x["passed"] is True]
    not_eval = [x for x in rules if x["passed"] is None]
    out = [
        f"# Session: {md(s['started_at'][:10])} {network_name(s)} "
        f"{md(s['asset']) if s['asset'] else 'unknown asset'} Log Audit",
        "",
    ]
    out += _summary(r, failed)
    out += _metrics(r)

    out.append("## Critical Issues Identified")
    if not rules:
        out += ["No rule results: rules were not evaluated for this session.", ""]
    elif not critical:
        out += ["None: no critical or high-severity rule failed.", ""]
    shown: set[Any] = set()
    for i, rule in enumerate(critical, 1):
        out += _rule_block(i, rule, r, shown)

    out.append("## Persistent Warnings")
    for i, rule in enumerate(persistent, 1):
        out += _rule_block(i, rule, r, shown)
    extra = _unjudged_blocks(r, {x["id"] for x in failed})
    out += extra
    if not persistent and not extra:
        out += ["None.", ""]

    out += _taxonomy(r)

    out.append("## What Worked Well")
    if passed:
        out += [
            f"- **{md(x['title'])}**" + (f" - {md(x['summary'])}" if x.get("summary") else "")
            + f" (`{md_code(x['id'])}`)"
            for x in passed
        ]
    else:
        out.append(
            "No rule passed." if rules else "No rule results: rules were not evaluated for this session."
        )
    out.append("")

    out.append("## Not evaluated")
    if not_eval:
        out += [f"- `{md_code(x['id'])}` {md(x['title'])}: not evaluated: evidence absent" for x in not_eval]
    else:
        out.append("Every rule found its evidence in the log." if rules else "No rule results.")
    out.append("")

    out.append("## Recommended Actions")
    if failed:
        for i, x in enumerate(failed, 1):
            action = md(x.get("remediation") or x["title"])
            reason = (
                md(x["summary"]) if x.get("summary")
                else f"observed {value_text(x['observed'])}, threshold {value_text(x['threshold'])}"
            )
            out.append(f"{i}. **{action}** - {reason} (`{md_code(x['id'])}`, {x['severity'].upper()})")
    else:
        out.append(
            "None: no rule failed." if rules else "None derived: rules were not evaluated for this session."
        )
    out.append("")

    out.append("## Files Analyzed")
    out += [f"- `{md_code(item['path'])}`: {size_text(item.get('bytes'))}" for item in r.get("files", [])]
    out.append(
        f"- session `{md_code(s['id'])}` (session {s.get('session_no', 1)} of the file), "
        f"lines {r['lines']['total']:,}"
    )
    out.append("")
    return "\n".join(out)
