"""report.html: the Markdown report as a self-contained page, with plots (no network needed).

The text is report.md's (one source of wording), turned into HTML by a converter for the small
Markdown subset render_md writes (headings, bullets, numbered lists, tables, code blocks, bold and
code spans). The plots are inline SVG from ``mmwatch.report.svg``, drawn from the series of
``mmwatch.report.series``; CSS is inline too, so the file opens anywhere, offline.
"""

from __future__ import annotations

import html
import re
from datetime import datetime
from typing import Any

from mmwatch.report.render_md import render_markdown
from mmwatch.report.svg import CHART_CSS, Chart, Layer, render_chart

_BOLD = re.compile(r"\*\*(.+?)\*\*")
#: a code span, or a backslash escape (CommonMark: an escaped character is literal, and a code
#: span starts only at an unescaped backtick; backslashes inside a span are literal)
_TOKEN = re.compile(r"`([^`]+)`|\\([!-/:-@\[-`{-~])")
#: stands for an escaped character while bold is applied (control characters never reach the text)
_HOLD = "\x02{}\x03"
_HELD = re.compile("\x02(\\d+)\x03")

PAGE_CSS = (
    "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;max-width:980px;margin:24px auto;"
    "padding:0 16px;color:#1d1d1f;line-height:1.45}"
    "h1{font-size:1.6em;border-bottom:2px solid #333;padding-bottom:4px}"
    "h2{font-size:1.25em;margin-top:1.6em;border-bottom:1px solid #ddd;padding-bottom:2px}"
    "h3{font-size:1.05em;margin-bottom:4px}"
    "code{background:#f2f2f5;padding:1px 4px;border-radius:3px;font-size:.9em}"
    "pre{background:#f6f6f8;border:1px solid #e1e1e6;padding:8px 10px;overflow-x:auto;font-size:.85em}"
    "pre code{background:none;padding:0}"
    "table{border-collapse:collapse;font-size:.88em;margin:6px 0}"
    "th,td{border:1px solid #ddd;padding:3px 8px;text-align:left;vertical-align:top}"
    "td.r,th.r{text-align:right}"
    "tr:nth-child(even) td{background:#fafafc}"
    ".plots{display:grid;grid-template-columns:1fr;gap:14px}"
    ".nodata{color:#777;font-style:italic}"
    "h3.critical,h3.high{color:#b03a2e}h3.medium{color:#9a6700}"
)


def _inline(text: str) -> str:
    """Escape, then apply **bold** and `code` (code spans are not parsed further).

    A backslash-escaped character (render_md escapes the values it takes from a log) is shown as
    itself, HTML-escaped, and never starts bold or code.
    """
    out: list[str] = []
    plain: list[str] = []
    held: list[str] = []

    def flush() -> None:
        if plain:
            done = _BOLD.sub(r"<strong>\1</strong>", html.escape("".join(plain)))
            out.append(_HELD.sub(lambda m: html.escape(held[int(m.group(1))]), done))
            plain.clear()

    at = 0
    for m in _TOKEN.finditer(text):
        plain.append(text[at : m.start()])
        at = m.end()
        if m.group(1) is not None:
            flush()
            out.append(f"<code>{html.escape(m.group(1))}</code>")
        else:
            held.append(m.group(2))
            plain.append(_HOLD.format(len(held) - 1))
    plain.append(text[at:])
    flush()
    return "".join(out)


def _table(rows: list[str]) -> str:
    def cells(row: str) -> list[str]:
        row = row.strip().strip("|").replace("\\|", "\x00")
        return [c.strip().replace("\x00", "|") for c in row.split("|")]

    head, align = cells(rows[0]), cells(rows[1])
    right = [a.endswith(":") for a in align]
    out = ["<table><thead><tr>"]
    out += [f"<th{' class=r' if r else ''}>{_inline(c)}</th>" for c, r in zip(head, right, strict=False)]
    out.append("</tr></thead><tbody>")
    for row in rows[2:]:
        out.append(
            "<tr>"
            + "".join(
                f"<td{' class=r' if r else ''}>{_inline(c)}</td>"
                for c, r in zip(cells(row), right, strict=False)
            )
            + "</tr>"
        )
    out.append("</tbody></table>")
    return "".join(out)


def markdown_to_html(md: str) -> str:
    """HTML for the Markdown subset written by ``render_markdown``."""
    out: list[str] = []
    lines = md.split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("```"):
            j = i + 1
            while j < len(lines) and not lines[j].startswith("```"):
                j += 1
            out.append("<pre><code>" + html.escape("\n".join(lines[i + 1 : j])) + "</code></pre>")
            i = j + 1
            continue
        if line.startswith("|"):
            j = i
            while j < len(lines) and lines[j].startswith("|"):
                j += 1
            out.append(_table(lines[i:j]))
            i = j
            continue
        m = re.match(r"^(#{1,3}) (.*)$", line)
        if m:
            level, text = len(m.group(1)), m.group(2)
            sev = re.search(r"\((CRITICAL|HIGH|MEDIUM|INFO)\b", text) if level == 3 else None
            cls = f" class='{sev.group(1).lower()}'" if sev else ""
            out.append(f"<h{level}{cls}>{_inline(text)}</h{level}>")
            i += 1
            continue
        for tag, pattern in (("ul", r"^- (.*)$"), ("ol", r"^\d+\. (.*)$")):
            if re.match(pattern, line):
                items = []
                while i < len(lines) and (m := re.match(pattern, lines[i])):
                    items.append(f"<li>{_inline(m.group(1))}</li>")
                    i += 1
                out.append(f"<{tag}>{''.join(items)}</{tag}>")
                break
        else:
            if line.strip():
                out.append(f"<p>{_inline(line)}</p>")
            i += 1
    return "\n".join(out)


def _pts(rows: list[dict[str, Any]], y: str, **match: Any) -> list[tuple[float, float]]:
    return [
        (r["t"], r[y])
        for r in rows
        if r.get("t") is not None and r.get(y) is not None and all(r.get(k) == v for k, v in match.items())
    ]


def build_charts(report: dict[str, Any], series: dict[str, Any]) -> list[Chart]:
    """The plots: position, account, microprice vs mid, rate-limit headroom, fills."""
    asset = report["session"].get("asset") or "asset"
    pos = series.get("position", [])
    acct = series.get("account", [])
    micro = series.get("microprice", [])
    rate = series.get("rate_limit", [])
    fills = series.get("fills", [])
    charts = [
        Chart(
            f"Position ({asset})",
            asset,
            [
                Layer(
                    "position",
                    [(r["t"], r["position"]) for r in pos if r["position"] is not None],
                    "#1f5fa8",
                    "step",
                ),
                Layer("at shutdown", _pts(pos, "position", kind="at_shutdown"), "#111", "points", 4.5),
                Layer("closed on exit", _pts(pos, "position", kind="closed"), "#2a9d4b", "points", 4.5),
            ],
            thresholds=[(0.0, "flat")],
            y_format="{:.4f}",
        ),
        Chart(
            "Account value and free margin (USD)",
            "USD",
            [
                Layer("account value", _pts(acct, "value", kind="equity"), "#2e7d32", "line"),
                Layer("free margin", _pts(acct, "value", kind="free_margin"), "#8e44ad", "line"),
            ],
        ),
        Chart(
            "Microprice vs market mid (USD)",
            "USD",
            [
                # January+: `[Trace]` l1_micro and the cycle's market_mid; December: DEBUG quote inputs
                Layer(
                    "microprice",
                    [(r["t"], r["price"]) for r in micro if r["kind"] in ("micro", "quote_inputs")],
                    "#e67e22",
                    "line",
                ),
                Layer(
                    "market mid",
                    _pts(micro, "price", kind="mid") + _pts(micro, "mid", kind="quote_inputs"),
                    "#555",
                    "line",
                ),
                Layer(
                    "crossed-mid clamp: microprice",
                    [(r["t"], r["price"]) for r in micro if str(r["kind"]).startswith("crossed")],
                    "#c0392b",
                    "points",
                ),
                Layer(
                    "crossed-mid clamp: mid",
                    [
                        (r["t"], r["mid"])
                        for r in micro
                        if str(r["kind"]).startswith("crossed") and r["mid"] is not None
                    ],
                    "#c0392b",
                    "hollow",
                ),
            ],
            y_format="{:,.0f}",
        ),
        Chart(
            "Exchange rate-limit headroom (%)",
            "headroom %",
            [
                Layer("headroom", _pts(rate, "headroom_pct"), "#1f5fa8", "line"),
            ],
            thresholds=[(5.0, "5 % throttle"), (20.0, "20 % pre-flight")],
            y_format="{:.0f}",
        ),
        Chart(
            "Own fills (size; buys up, sells down)",
            "size",
            [
                Layer(
                    "tracked buy",
                    [(r["t"], r["size"]) for r in fills if r["tracked"] and r["side"] == "buy"],
                    "#2e7d32",
                    "points",
                ),
                Layer(
                    "tracked sell",
                    [(r["t"], -r["size"]) for r in fills if r["tracked"] and r["side"] == "sell"],
                    "#c0392b",
                    "points",
                ),
                Layer(
                    "untracked buy",
                    [(r["t"], r["size"]) for r in fills if not r["tracked"] and r["side"] == "buy"],
                    "#2e7d32",
                    "hollow",
                ),
                Layer(
                    "untracked sell",
                    [(r["t"], -r["size"]) for r in fills if not r["tracked"] and r["side"] == "sell"],
                    "#c0392b",
                    "hollow",
                ),
            ],
            thresholds=[(0.0, "")],
            y_format="{:.5f}",
        ),
    ]
    span = _session_span(report)
    for c in charts:  # a size of None (old fill formats) cannot be drawn
        c.x_range = span  # every plot spans the whole session, so they line up
        for ly in c.layers:
            ly.points = sorted(p for p in ly.points if p[1] is not None)
    return charts


def _session_span(report: dict[str, Any]) -> tuple[float, float] | None:
    s = report["session"]
    try:
        start = datetime.fromisoformat(s["started_at"].replace("Z", "+00:00")).timestamp()
        end = datetime.fromisoformat(s["ended_at"].replace("Z", "+00:00")).timestamp()
    except (KeyError, TypeError, ValueError):
        return None
    return (start, end) if end > start else None


def render_html(report: dict[str, Any], series: dict[str, Any] | None = None) -> str:
    """The page; without ``series`` (no store at hand) it has the text only."""
    body = markdown_to_html(render_markdown(report))
    if series is not None:
        plots = "".join(render_chart(c) for c in build_charts(report, series))
        section = f"<h2>Plots</h2><div class='plots'>{plots}</div>"
        marker = "<h2>Critical Issues Identified</h2>"
        body = body.replace(marker, section + "\n" + marker, 1) if marker in body else body + section
    title = html.escape(f"{report['session']['id']} audit")
    return (
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{title}</title>"
        f"<meta name='viewport' content='width=device-width,initial-scale=1'>"
        f"<style>{PAGE_CSS}{CHART_CSS}</style></head><body>\n{body}\n</body></html>\n"
    )
