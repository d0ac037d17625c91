"""The seed session (2026-01-13 mainnet BTC, ../shared/seed/mainnet_btc_2026-01-13_audit.md), end to end.

A January-format log carrying the seed's figures (tests/jan_log.py) is audited; report.json and
report.md must state every figure of the hand-written audit. Two checks make sure the figures are
computed from the lines and not copied: the counts are recomputed here from the file with plain
Python, and a variant log with other figures must give a report with those other figures.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from flows.audit_session import audit_logs, audit_session
from mmwatch.config import load_settings
from mmwatch.report.build import validate_report
from tests.jan_log import JanSession, write_jan_log

SEED_LOG_NAME = "mm_mainnet_BTC_2026-01-13_15-13-53.log"


def _audit(tmp: Path, session: JanSession | None = None) -> tuple[Path, dict[str, Any], str, str]:
    log = tmp / SEED_LOG_NAME
    write_jan_log(log, session)
    outcome = audit_logs(load_settings(db=tmp / "m.duckdb", out=tmp / "out", data_docs=False), [log])
    (audited,) = outcome.sessions
    folder = Path(audited.report_dir)
    report = json.loads((folder / "report.json").read_text(encoding="utf-8"))
    return (
        log,
        report,
        (folder / "report.md").read_text(encoding="utf-8"),
        (folder / "report.html").read_text(encoding="utf-8"),
    )


@pytest.fixture(scope="module")
def seed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any], str, str]:
    return _audit(tmp_path_factory.mktemp("seed"))


def test_report_json_states_the_seed_figures(seed: tuple[Path, dict[str, Any], str, str]) -> None:
    _, r, _, _ = seed
    validate_report(r)
    s = r["session"]
    assert (s["asset"], s["network"], s["asset_from"], s["network_from"]) == ("BTC", "mainnet", "log", "log")
    assert s["started_at"].startswith("2026-01-13T22:14:01.")
    assert s["ended_at"].startswith("2026-01-13T22:32:00.")
    assert 17.9 * 60 < s["duration_s"] < 18.0 * 60
    assert s["end"] == "graceful"
    assert (s["mode"], s["bot_era"]) == ("live", "jan-2026")
    assert r["lines"]["unknown_templates"]["count"] == 0
    f = r["fills"]
    assert (f["total"], f["tracked"], f["untracked"]) == (27, 9, 18)
    assert f["buys"] + f["sells"] == 27
    assert f["untracked_ratio"] == pytest.approx(18 / 27)
    assert f["tracked_pnl_usd"] == 1.95
    example = [u for u in f["untracked_fills"] if u["oid"] == 293489830558]
    assert [(u["side"], u["size"], u["cloid"]) for u in example] == [("sell", 0.00103, "None")]
    assert all(u["cloid"] == "None" for u in f["untracked_fills"])
    lv = r["lines"]["by_level"]
    assert lv["WARN"] + lv["ERROR"] == 1698
    assert r["lines"]["other"] == 0
    assert r["account"]["initial_value"] == 235.14
    assert r["account"]["final_margin_available"] == 209.10
    assert r["position"]["final"] == -0.0115
    assert r["position"]["final_from"] == "Final position state"
    ks = r["kill_switch"]
    assert ks["triggered"] is False and ks["reasons"] == [] and ks["not_triggered_logged"] is True
    p = r["pricing"]
    assert p["crossed_mid_events"] == 10
    assert p["crossed_microprice_range"] == [97000.0, 97400.0]
    assert 95300 < p["crossed_mid_range"][0] <= p["crossed_mid_range"][1] < 95500
    assert 190 < p["max_microprice_mid_bps"] < 215  # the seed's "~200 bps (2%)"
    assert (p["min_price_drift_bps"], p["max_price_drift_bps"]) == (103.2, 213.1)
    assert p["median_spread_bps"] == 14.6
    rl = r["rate_limit"]
    assert (rl["first_headroom_pct"], rl["last_headroom_pct"]) == (1.8, 4.8)
    assert (rl["min_headroom_pct"], rl["max_headroom_pct"]) == (1.8, 4.8)
    assert (rl["min_used"], rl["max_used"], rl["cap"]) == (60605, 62558, 65682)
    throttles = sum('"message":"Exchange rate limit low (<5% headroom)' in line
                    for line in seed[0].read_text(encoding="utf-8").splitlines())
    assert rl["low_headroom_events"] == throttles > 800  # one per throttled reconcile, all session long
    ld = r["ladder"]
    assert (ld["configured_levels"], ld["min_effective_bid"], ld["min_effective_ask"]) == (25, 17, 13)
    assert ld["reduction_events"] > 500 and ld["entropy_events"] == 2 * ld["reduction_events"]
    w = r["warmup"]
    assert (w["first_quote_volume_ticks"], w["required_volume_ticks"]) == (9, 10)
    assert w["incomplete_after_first_quote"] == 0
    assert r["safety_sync"]["mismatches"] == 21 and r["safety_sync"]["checks"] > 60
    templates = {t["template"]: t["count"] for t in r["warning_taxonomy"]}
    assert sum(templates.values()) == 1698
    assert templates["CRITICAL: Bid crossed market mid - adjusting to {n}bp below"] == 10


def test_report_md_states_the_seed_figures(seed: tuple[Path, dict[str, Any], str, str]) -> None:
    _, report, md, _ = seed
    assert md.startswith("# Session: 2026-01-13 Mainnet BTC Log Audit\n")
    for section in (
        "## Summary",
        "## Session Metrics",
        "## Critical Issues Identified",
        "## Persistent Warnings",
        "## Warning taxonomy",
        "## What Worked Well",
        "## Not evaluated",
        "## Recommended Actions",
        "## Files Analyzed",
    ):
        assert f"\n{section}\n" in md, section
    expected = [
        "18-minute run",
        "22:14:01 → 22:32:00 UTC",
        "BTC on Mainnet",
        "**Initial Account**: $235.14",
        "$209.10 free margin (-$26.04",
        "**Final Position**: -0.0115 BTC (short)",
        "**Total Fills**: 27 (9 tracked, 18 untracked",
        "**Warnings/Errors**: 1,698",
        "**Kill switch**: not triggered",
        "**Tracked P&L**: +$1.95",
        "10 crossed-mid clamps",
        "$97,000.00-$97,400.00",
        "103-213 bps",
        "median 14.6 bps",
        "headroom 1.8 % → 4.8 %",
        "used 60,605 → 62,558 of 65,682 cap",
        "configured 25 levels",
        "17 bid / 13 ask",
        "after 9/10 volume ticks",
        "21 mismatches",
        "oid=293489830558",
        SEED_LOG_NAME,
    ]
    for text in expected:
        assert text in md, text
    assert re.search(r"max microprice-mid divergence (19\d|20\d|21[0-5]) bps", md)
    # the judged sections follow report["rules"]: failed critical/high rules are Critical Issues
    rules = {x["id"]: x for x in report["rules"]}
    critical = md.split("## Critical Issues Identified")[1].split("## Persistent Warnings")[0]
    actions = md.split("## Recommended Actions")[1]
    for rule in rules.values():
        if rule["passed"] is False:
            assert f"`{rule['id']}`, {rule['severity'].upper()})" in actions, rule["id"]
            if rule["severity"] in ("critical", "high"):
                assert f"- **Rule**: `{rule['id']}`" in critical, rule["id"]
        elif rule["passed"] is None:
            assert f"`{rule['id']}` {rule['title']}: not evaluated: evidence absent" in md
    assert (
        " 0 ERROR" not in md and "not in log" not in md.split("## Session Metrics")[1].split("## Critical")[0]
    )


def test_report_html_is_self_contained_with_plots(seed: tuple[Path, dict[str, Any], str, str]) -> None:
    _, _, _, page = seed
    assert page.count("<svg") == 5
    assert "<script" not in page and " src=" not in page and "href=" not in page and "@import" not in page
    assert re.findall(r"https?://[^'\" ]+", page) == ["http://www.w3.org/2000/svg"] * 5  # the SVG namespace
    assert "Microprice vs market mid" in page and "crossed-mid clamp: microprice (10)" in page
    assert "untracked sell" in page and "<table>" in page


def test_figures_match_an_independent_count_of_the_lines(seed: tuple[Path, dict[str, Any], str, str]) -> None:
    log, r, _, _ = seed
    events = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    messages = [e["fields"]["message"] for e in events]
    assert r["lines"]["events"] == len(events)
    assert r["lines"]["by_level"]["WARN"] == sum(e["level"] == "WARN" for e in events)
    assert r["lines"]["by_level"]["ERROR"] == sum(e["level"] == "ERROR" for e in events)
    tracked = [m for m in messages if re.match(r"^\[Fill\] (bought|sold) ", m)]
    untracked = [m for m in messages if m.startswith("[Fill] Untracked order filled: ")]
    assert (r["fills"]["tracked"], r["fills"]["untracked"]) == (len(tracked), len(untracked))
    assert r["fills"]["sells"] == sum(" sold " in m for m in tracked + untracked)
    assert r["fills"]["tracked_pnl_usd"] == float(tracked[-1].rsplit("$", 1)[1])
    throttles = [e["fields"] for e in events if e["fields"]["message"].startswith("Exchange rate limit low")]
    assert r["rate_limit"]["low_headroom_events"] == len(throttles)
    assert r["rate_limit"]["cap"] == throttles[-1]["cap"]
    assert r["ladder"]["reduction_events"] == messages.count(
        "Reducing ladder levels due to tight exchange limits"
    )


def test_a_variant_log_gives_its_own_figures(tmp_path: Path) -> None:
    """Other figures in the lines -> other figures in the report: nothing is copied from the seed."""
    variant = JanSession(
        seed=7,
        network="Testnet",
        account_value="512.77",
        final_margin=498.5,
        final_position_units=420,
        tracked_fills=5,
        untracked_fills=3,
        example_untracked_oid=111222333444,
        example_untracked_units=77,
        last_tracked_pnl=-0.42,
        warn_error_total=1500,
        crossed_mid_errors=4,
        microprice_range=(96100.0, 96200.0),
        drift_range_bps=(101.5, 180.4),
        drift_events=5,
        headroom_range_pct=(2.3, 3.3),
        used_range=(50001, 51234),
        final_cap=53000,
        num_levels=20,
        min_effective=(11, 9),
        warmup_last_ticks=7,
        warmup_required_ticks=8,
        median_spread_bps=9.8,
        safety_mismatches=4,
    )
    _, r, md, _ = _audit(tmp_path, variant)
    assert r["session"]["network"] == "testnet"
    assert (r["fills"]["total"], r["fills"]["tracked"], r["fills"]["untracked"]) == (8, 5, 3)
    assert r["fills"]["tracked_pnl_usd"] == -0.42
    assert r["lines"]["by_level"]["WARN"] + r["lines"]["by_level"]["ERROR"] == 1500
    assert r["account"]["initial_value"] == 512.77 and r["account"]["final_margin_available"] == 498.5
    assert r["position"]["final"] == 0.0042
    assert r["pricing"]["crossed_mid_events"] == 4
    assert r["pricing"]["crossed_microprice_range"] == [96100.0, 96200.0]
    assert (r["pricing"]["min_price_drift_bps"], r["pricing"]["max_price_drift_bps"]) == (101.5, 180.4)
    assert r["pricing"]["median_spread_bps"] == 9.8
    rl = r["rate_limit"]
    assert (rl["first_headroom_pct"], rl["min_used"], rl["max_used"], rl["cap"]) == (2.3, 50001, 51234, 53000)
    assert (
        r["ladder"]["configured_levels"],
        r["ladder"]["min_effective_bid"],
        r["ladder"]["min_effective_ask"],
    ) == (20, 11, 9)
    assert (r["warmup"]["first_quote_volume_ticks"], r["warmup"]["required_volume_ticks"]) == (7, 8)
    assert r["safety_sync"]["mismatches"] == 4
    for text in (
        "Testnet BTC Log Audit",
        "$512.77",
        "0.0042 BTC (long)",
        "8 (5 tracked, 3 untracked",
        "**Warnings/Errors**: 1,500",
        "-$0.42",
        "configured 20 levels",
        "11 bid / 9 ask",
        "7/8 volume ticks",
        "oid=111222333444",
    ):
        assert text in md, text


def test_one_real_flow_run(prefect_server: None, tmp_path: Path) -> None:
    log = tmp_path / SEED_LOG_NAME
    write_jan_log(log)
    state = audit_session(
        logs=[str(log)], db=str(tmp_path / "m.duckdb"), out=str(tmp_path / "out"), return_state=True
    )
    digest = state.result()
    (session,) = digest["sessions"]
    report = json.loads((Path(session["report_dir"]) / "report.json").read_text(encoding="utf-8"))
    assert (report["fills"]["tracked"], report["fills"]["untracked"]) == (9, 18)
    assert report["lines"]["by_level"]["WARN"] + report["lines"]["by_level"]["ERROR"] == 1698
    assert (Path(session["report_dir"]) / "report.html").read_text(encoding="utf-8").count("<svg") == 5
    assert state.is_completed()


def test_the_demo_sample_is_the_seed_log() -> None:
    """samples/ holds exactly what the builder writes (regenerate: python -m tests.jan_log PATH)."""
    sample = Path(__file__).resolve().parent.parent / "samples" / SEED_LOG_NAME
    from tests.jan_log import jan_log_lines

    # every throttled cycle of the seed writes its ~16 INFO lines (the bot's own cycle), hence ~6 MB
    assert sample.stat().st_size < 8 * 1024 * 1024
    assert sample.read_text(encoding="utf-8") == "".join(line + "\n" for line in jan_log_lines())


def test_report_md_without_rule_results_or_figures(seed: tuple[Path, dict[str, Any], str, str]) -> None:
    """No rule results yet: nothing is judged; a figure the log lacks reads "not in log", never 0."""
    import copy

    from mmwatch.report.render_html import render_html
    from mmwatch.report.render_md import render_markdown

    report = copy.deepcopy(seed[1])
    report["rules"] = []
    md = render_markdown(report)
    for section in ("## Critical Issues Identified", "## What Worked Well", "## Recommended Actions"):
        assert "rules were not evaluated" in md.split(section)[1].split("\n## ")[0], section
    assert "### Rate Limit Pressure (not judged by a rule)" in md and "### Ladder Level Reduction" in md
    assert "oid=293489830558 ... sold 0.00103 BTC" in md  # the seed audit's example line
    report["account"].update(initial_value=None, final_margin_available=None)
    report["position"].update(final=None, final_from=None)
    report["rate_limit"].update(
        {
            k: None
            for k in (
                "first_headroom_pct",
                "last_headroom_pct",
                "min_headroom_pct",
                "max_headroom_pct",
                "min_used",
                "max_used",
                "cap",
            )
        }
    )
    report["rate_limit"]["low_headroom_events"] = 0
    report["ladder"].update(configured_levels=None, min_effective_bid=None, min_effective_ask=None)
    md = render_markdown(report)
    for text in (
        "**Initial Account**: not in log",
        "**Final Margin**: not in log",
        "**Final Position**: not in log",
        "**Rate limit**: headroom not in log",
        "configured not in log levels",
    ):
        assert text in md, text
    assert "$0.00" not in md and "0.0 %" not in md
    assert render_html(report).count("<svg") == 0  # no series given: text only
