"""Every value from a log is escaped in report.md, report.html and the Prefect artifacts.

Each injection case of the red-team pass, through a real audit of a real-template log (the first
3,000 lines of the January sample): an asset ``<img src=x onerror=…>`` and a network
``[x](http://…)`` (H1, Summary, metrics list), a WARN message holding newlines, a heading and a
``<script>`` line (warning taxonomy table), a WARN starting with ``>`` and holding ``|``, and
kill-switch reasons with the same payloads (metrics list, rule summaries, artifact table cells).
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any

import pytest

from flows.audit_session import audit_logs
from mmwatch.config import load_settings
from mmwatch.report.render_html import markdown_to_html
from mmwatch.report.render_md import md, md_code
from tasks.artifacts import rule_rows
from tests.conftest import ROOT

JAN = ROOT / "samples" / "mm_mainnet_BTC_2026-01-13_15-13-53.log"
ASSET = "<img src=x onerror=alert(1)>"
NETWORK = "[x](http://evil.example/)"
NEWLINE_WARN = "Quote stalled\n## Injected heading\n<script>alert(2)</script>\n| a | b |"
QUOTE_WARN = "> quoted | cell | `tick` [y](http://evil.example/y)"
REASON = "> Max loss [z](http://evil.example/z) <b>bold</b>\n# reason heading"
UNESCAPED = re.compile(r"(?<!\\)(<img|<script|<b>|\[x\]\(|\[y\]\(|\[z\]\()")


def _injected_log(path: Path) -> None:
    lines = JAN.read_text(encoding="utf-8").splitlines()[:3000]
    lines = [line.replace('"asset":"BTC"', f'"asset":{json.dumps(ASSET)}')
                 .replace('"network":"Mainnet"', f'"network":{json.dumps(NETWORK)}') for line in lines]
    ts = json.loads(lines[1500])["timestamp"]
    for level, message in (("WARN", NEWLINE_WARN), ("WARN", QUOTE_WARN), ("ERROR", NEWLINE_WARN)):
        lines.insert(1500, json.dumps({"timestamp": ts, "level": level, "fields": {"message": message},
                                       "target": "market_maker"}, separators=(",", ":")))
    kill = f"KILL SWITCH TRIGGERED: {json.dumps([REASON])}"
    lines.append(json.dumps({"timestamp": json.loads(lines[-1])["timestamp"], "level": "ERROR",
                             "fields": {"message": kill},
                             "target": "hyperliquid_rust_sdk::market_maker::orchestrator::event_loop"},
                            separators=(",", ":")))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.fixture(scope="module")
def audited(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], str, str]:
    tmp = tmp_path_factory.mktemp("escaping")
    log = tmp / "mm.log"
    _injected_log(log)
    outcome = audit_logs(load_settings(db=tmp / "m.duckdb", out=tmp / "out", data_docs=False), [log])
    (session,) = outcome.sessions
    folder = Path(session.report_dir)
    return (json.loads((folder / "report.json").read_text(encoding="utf-8")),
            (folder / "report.md").read_text(encoding="utf-8"),
            (folder / "report.html").read_text(encoding="utf-8"))


def test_the_payloads_reached_the_report(audited: tuple[dict[str, Any], str, str]) -> None:
    """Else the tests below would pass for want of input."""
    report, _, _ = audited
    assert report["session"]["asset"] == ASSET and report["session"]["network"] == NETWORK.lower()
    ks = report["kill_switch"]
    assert ks["triggered"] and any("Max loss" in r for r in ks["reasons"])
    injected = [t["template"] for t in report["warning_taxonomy"] if "Injected heading" in t["template"]]
    assert injected and not [t for t in injected if "\n" in t]  # no newline kept in a template
    assert any(t["template"].startswith("> quoted") for t in report["warning_taxonomy"])


def test_report_md_shows_the_payloads_as_text(audited: tuple[dict[str, Any], str, str]) -> None:
    _, text, _ = audited
    lines = text.split("\n")
    assert lines[0].startswith("# Session: ") and "\\<img src=x onerror=alert(1)" in lines[0]
    assert "\\[x\\](http://evil.example/)" in lines[0]
    # evidence lines are in fenced code blocks (literal text; no fence inside can close them early)
    fences = [i for i, line in enumerate(lines) if line.startswith("```")]
    assert len(fences) % 2 == 0 and all(lines[i] == "```" for i in fences)
    text = re.sub(r"\n```\n.*?\n```\n", "\n", text, flags=re.S)
    # and a code span is literal too (taxonomy templates): outside both, nothing unescaped
    assert UNESCAPED.findall(re.sub(r"(?<!\\)`[^`]*`", "", text)) == []
    lines = text.split("\n")
    # a newline in a template, a reason or the asset adds no heading, no HTML line, no quote
    assert not [line for line in lines if re.match(r"#+ (Injected|reason heading)", line)]
    assert not [line for line in lines if line.lstrip().startswith(("<", ">"))]
    # every row of the taxonomy table has the header's number of cells
    table = [line for line in lines if line.startswith("| ")]
    head = table[0]
    assert all(len(re.findall(r"(?<!\\)\|", row)) == len(re.findall(r"(?<!\\)\|", head)) for row in table)
    assert any("Injected heading" in row for row in table) and any("> quoted" in row for row in table)


def test_report_html_escapes_every_payload(audited: tuple[dict[str, Any], str, str]) -> None:
    _, _, page = audited
    for tag in ("<img", "<script", "<b>", "href="):
        assert tag not in page, tag
    assert "&lt;img src=x onerror=alert(1)&gt;" in page and "&lt;script&gt;" in page
    # what was escaped for Markdown reads as itself on the page (no stray backslash)
    assert "[x](http://evil.example/)" in page and "\\[x" not in page


def test_artifact_table_cells_are_escaped(audited: tuple[dict[str, Any], str, str]) -> None:
    report, _, _ = audited
    rows = rule_rows(report)
    kill = next(r for r in rows if r["rule"] == "KILL-SWITCH")
    assert kill["result"] == "FAIL"
    cells = [c for r in rows for c in r.values() if isinstance(c, str)]
    assert [c for c in cells if c.startswith((">", "#", "<")) or "\n" in c] == []
    assert [c for c in cells if UNESCAPED.search(c)] == []
    assert any("Max loss" in c for c in cells)  # the reason is shown, as text


@pytest.mark.parametrize("value", [ASSET, NETWORK, NEWLINE_WARN, QUOTE_WARN, REASON,
                                   "a\u202eb\x1b[31mc\x00d"])
def test_escaped_values_round_trip_through_the_page(value: str) -> None:
    """md()/md_code() keep every visible character: the page shows the value, on one line."""
    shown = re.sub(r"\s+", " ", re.sub("[\x00-\x1f\u202e]", " ", value)).strip()
    page = markdown_to_html(f"- **Value**: {md(value)} and `{md_code(value)}`")
    assert page.count("<li>") == 1 and "<li><strong>Value</strong>: " in page
    text = html.unescape(re.sub(r"<[^>]+>", "", page))
    assert re.sub(r"\s+", " ", text).startswith(f"Value: {shown} and ")
