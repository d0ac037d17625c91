"""Logs of every code era of the bot, audited as the bot writes them today.

The two samples (samples/*.log) are written line by line from the bot's own templates by
tests/jan_log.py (code 72976cd) and tests/mar_log.py (code 6c17115, a paper phase then a live run in
one file, close-on-exit); each has a truth file (`<log>.truth.json`) that its generator computes
by reading back the lines it wrote. The audit must find those figures, must not pass a rule whose
evidence a session lacks, and must show templates it does not know.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from flows.audit_session import audit_logs
from mmwatch.config import EXPECTATIONS_DIR, SAMPLES_DIR, load_settings
from mmwatch.ingest import pull_file
from mmwatch.report.build import validate_report
from mmwatch.rules import load_catalogue as load_rules
from mmwatch.store import connect
from mmwatch.transform import build_audit_tables
from tests.conftest import FIXTURES

JAN = SAMPLES_DIR / "mm_mainnet_BTC_2026-01-13_15-13-53.log"
MAR = SAMPLES_DIR / "mm_hip3_hyna_HYPE_hip3_2026-03-13_09-00-00.log"


def truth(log: Path) -> list[dict[str, Any]]:
    return json.loads(log.with_suffix(".truth.json").read_text(encoding="utf-8"))["sessions"]


def rules_of(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["id"]: r for r in report["rules"]}


@pytest.fixture(scope="module")
def samples(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[dict[str, Any]]]:
    """Both samples through the whole audit (one store): their reports in file order."""
    tmp = tmp_path_factory.mktemp("eras")
    outcome = audit_logs(load_settings(db=tmp / "m.duckdb", out=tmp / "out", data_docs=False), [JAN, MAR])
    by_source: dict[str, list[dict[str, Any]]] = {}
    for s in outcome.sessions:
        validate_report(s.report)
        by_source.setdefault(Path(s.report["session"]["source"]).name, []).append(s.report)
    for reports in by_source.values():
        reports.sort(key=lambda r: r["session"]["started_at"])
    return by_source


def test_the_samples_are_what_their_generators_write() -> None:
    from tests.jan_log import jan_log_lines
    from tests.mar_log import mar_log_lines

    assert MAR.read_text(encoding="utf-8").splitlines() == mar_log_lines()
    assert JAN.read_text(encoding="utf-8").splitlines() == jan_log_lines()


def _figures(r: dict[str, Any]) -> dict[str, Any]:
    """report.json figures in the truth file's shape."""
    s, f, lv = r["session"], r["fills"], r["lines"]["by_level"]
    return {
        "mode": s["mode"],
        "asset": s["asset"],
        "network": s["network"],
        "started_at": s["started_at"],
        "ended_at": s["ended_at"],
        "end": s["end"],
        "lines": {
            "events": r["lines"]["events"],
            "info": lv["INFO"],
            "warn": lv["WARN"],
            "error": lv["ERROR"],
            "debug": lv["DEBUG"],
        },
        "fills": {
            "total": f["total"],
            "tracked": f["tracked"],
            "untracked": f["untracked"],
            "sim": f["simulated"],
            "buys": f["buys"],
            "sells": f["sells"],
        },
        "account": {
            "initial_value": r["account"]["initial_value"],
            "final_free_margin": r["account"]["final_margin_available"],
        },
        "position": {"final": r["position"]["final"], "at_shutdown": r["position"]["at_shutdown"]},
        "price": {
            "bbo_crossing_filtered": r["pricing"]["bbo_crossing_filtered_events"],
            "bbo_crossing_skip": r["pricing"]["bbo_crossing_skipped_events"],
        },
        "drift": {
            "events": r["pricing"]["price_drift_events"],
            "min_bps": r["pricing"]["min_price_drift_bps"],
            "max_bps": r["pricing"]["max_price_drift_bps"],
        },
        "rate_limit": {
            "exhausted_warnings": r["rate_limit"]["exhausted_events"],
            "min_headroom_pct": r["rate_limit"]["min_headroom_pct"],
        },
        "ladder": {
            "configured_levels": r["ladder"]["configured_levels"],
            "capital_tier": r["ladder"]["capital_tier"],
        },
        "warmup": {
            "first_quote_ts": r["warmup"]["first_quote_at"],
            "first_quote_line": r["warmup"]["first_quote_line"],
        },
        "pnl": {
            k: r["pnl"][f"{k}_usd"]
            for k in (
                "realized",
                "unrealized",
                "total",
                "spread_capture",
                "adverse_selection",
                "fees",
                "funding",
            )
        },
        "edge": {"resolved": r["edge"]["resolved"], "mean_edge_bps": r["edge"]["mean_edge_bps"]},
        "cycles": {
            "summaries": r["quoting"]["cycle_summaries"],
            "both_sides": r["quoting"]["cycles_both_sides"],
        },
        "regime_transitions": r["quoting"]["regime_transitions"],
        "kill_switch": {"triggered": r["kill_switch"]["triggered"]},
    }


def _same(expected: Any, got: Any, where: str = "") -> list[str]:
    if isinstance(expected, dict):
        return [d for k, v in expected.items() if k in got for d in _same(v, got[k], f"{where}.{k}")]
    if isinstance(expected, float) and got is not None:
        return [] if got == pytest.approx(expected, abs=5e-4) else [f"{where}: {got!r} != {expected!r}"]
    if isinstance(expected, str) and isinstance(got, str) and where.endswith("_ts"):
        got = got.replace("+00:00", "Z")  # report timestamps are ISO, the truth keeps the log's text
        return (
            []
            if got.rstrip("Z").rstrip("0") == expected.rstrip("Z").rstrip("0")
            else [f"{where}: {got} != {expected}"]
        )
    return [] if got == expected else [f"{where}: {got!r} != {expected!r}"]


def test_the_march_sample_is_a_paper_session_then_a_live_one(
    samples: dict[str, list[dict[str, Any]]],
) -> None:
    paper, live = samples[MAR.name]
    expected = truth(MAR)
    for got, want in zip((paper, live), expected, strict=True):
        mismatches = _same(want, _figures(got))
        assert mismatches == [], mismatches
    assert (paper["session"]["mode"], live["session"]["mode"]) == ("paper", "live")
    assert {paper["session"]["bot_era"], live["session"]["bot_era"]} == {"mar-2026"}
    # the paper phase's simulated fills stay in the paper session
    assert paper["fills"]["simulated"] == paper["fills"]["total"] > 0 and live["fills"]["simulated"] == 0
    assert live["session"]["paper_prior_injected"] is True
    # close-on-exit: the bot left no position, `Final position state` showed the pre-close one
    assert live["position"]["final"] == 0 and live["position"]["at_shutdown"] < 0
    assert live["position"]["final_from"] == "Position closed on shutdown"
    assert live["lines"]["unknown_templates"]["count"] == 0 == paper["lines"]["unknown_templates"]["count"]


def test_the_march_sample_raises_no_false_finding(samples: dict[str, list[dict[str, Any]]]) -> None:
    paper, live = samples[MAR.name]
    p, v = rules_of(paper), rules_of(live)
    assert p["SHUTDOWN-CLEAN"]["passed"] is True and p["SHUTDOWN-CLEAN"]["observed"] == "planned"
    assert v["SHUTDOWN-CLEAN"]["passed"] is True and v["SHUTDOWN-CLEAN"]["observed"] == "stopped"
    assert v["POS-FINAL"]["passed"] is True and v["POS-FINAL"]["observed"] == 0
    assert v["POS-CLOSE-ON-EXIT"]["passed"] is True and v["POS-CLOSE-ON-EXIT"]["observed"] == "closed"
    # Small capital tier: the entropy optimizer is skipped by design, so the rule does not judge
    assert v["LADDER-ENTROPY"]["passed"] is None
    assert "capital tier Small skips the entropy optimizer" in v["LADDER-ENTROPY"]["summary"]
    # what the newest code logs at INFO is read, not reported as 0
    assert v["PRICE-QUOTE-DRIFT"]["passed"] is False and v["PRICE-QUOTE-DRIFT"]["observed"] == 3
    assert "[Unified] 3" in v["PRICE-QUOTE-DRIFT"]["summary"]
    assert v["RATE-HEADROOM"]["passed"] is False and v["RATE-HEADROOM"]["observed"] == pytest.approx(0.6)
    assert v["PRICE-CROSSED-MID"]["passed"] is False and v["PRICE-CROSSED-MID"]["observed"] == 12
    assert "10 BBO-crossing filter WARNs; 2 quote cycles skipped" in v["PRICE-CROSSED-MID"]["summary"]
    assert v["ACCT-END"]["passed"] is True and v["ACCT-END"]["observed"] == pytest.approx(33.93)
    # the hand audit's conclusion: the loss is the short position marked against a rising price
    assert v["PNL-LOSS-EXPLAINED"]["passed"] is True
    assert v["PNL-LOSS-EXPLAINED"]["observed"] == pytest.approx(0.48 / 0.57, abs=1e-3)
    # DEBUG-only evidence in an INFO log: not evaluated, and the reason says so
    for rule_id in ("DATA-STALE", "RISK-CASCADE"):
        assert v[rule_id]["passed"] is None
        assert "logs kill_status only at DEBUG" in v[rule_id]["summary"], v[rule_id]["summary"]
    # the network is only what a line says: the paper phase logs none
    assert (paper["session"]["network"], live["session"]["network"]) == (None, "mainnet")


def test_the_january_sample_is_one_session_quoting_at_9_of_10_ticks(
    samples: dict[str, list[dict[str, Any]]],
) -> None:
    (r,) = samples[JAN.name]
    (want,) = truth(JAN)
    got = _figures(r)
    assert (
        _same(
            {k: want[k] for k in ("mode", "asset", "network", "started_at", "ended_at", "end", "lines")}, got
        )
        == []
    )
    assert (r["warmup"]["first_quote_volume_ticks"], r["warmup"]["required_volume_ticks"]) == (9, 10)
    assert (
        _same(
            {
                k: want[k]
                for k in ("warmup", "fills", "account", "position", "drift", "rate_limit", "kill_switch")
            },
            got,
        )
        == []
    )
    assert r["warmup"]["first_quote_from"] == "Bulk order placed"
    assert (r["fills"]["total"], r["fills"]["tracked"], r["fills"]["untracked"]) == (27, 9, 18)
    assert r["session"]["bot_era"] == "jan-2026"
    assert rules_of(r)["SHUTDOWN-CLEAN"]["passed"] is True


def _kinds_by_line(log: Path, tmp: Path) -> dict[int, str]:
    """line number -> event kind, from the store's own classification of ``log``."""
    con = connect(tmp / "kinds.duckdb")
    try:
        build_audit_tables(con, [pull_file(con, log, final=True).source_id])
        return dict(con.execute("select line_no, kind from stg_events where kind is not null").fetchall())
    finally:
        con.close()


def _shifted(line: str, micros: int) -> str:
    """The line stamped ``micros`` µs earlier: variants that start with the same line would share a
    session id (it is derived from the session's first line) and could not sit in one store."""

    def earlier(m: re.Match[str]) -> str:
        ts = datetime.strptime(m.group(1), "%Y-%m-%dT%H:%M:%S.%fZ") - timedelta(microseconds=micros)
        return f'"timestamp":"{ts:%Y-%m-%dT%H:%M:%S.%f}Z"'

    return re.sub(r'"timestamp":"([^"]+)"', earlier, line, count=1)


def test_a_rule_without_its_evidence_is_not_evaluated(tmp_path: Path) -> None:
    """For every rule, the samples without the lines of the kinds it reads: the rule is "not
    evaluated" with a reason. For a counting rule, the samples without the lines it counts: the
    rule does not pass (a zero is no evidence). One store, one audit of all variants."""
    rules = [r for suite in load_rules(EXPECTATIONS_DIR) for r in suite.rules if r.kinds]
    variants: dict[Path, list[tuple[str, str]]] = {}  # log -> (rule id, "unevaluated" | "not passed")
    covered: set[tuple[str, str]] = set()  # a check made on the (small) March sample is not repeated
    for sample in (MAR, JAN):
        lines = sample.read_text(encoding="utf-8").splitlines(keepends=True)
        kinds = _kinds_by_line(sample, tmp_path / sample.stem)
        plans: dict[frozenset[str], list[tuple[str, str]]] = {}
        for rule in rules:
            for removed, expected in ((rule.kinds, "unevaluated"), (rule.counts, "not passed")):
                if set(removed) & set(kinds.values()) and (rule.rule_id, expected) not in covered:
                    plans.setdefault(frozenset(removed), []).append((rule.rule_id, expected))
                    covered.add((rule.rule_id, expected))
        for n, (removed, checks) in enumerate(sorted(plans.items(), key=lambda kv: sorted(kv[1])), 1):
            path = tmp_path / f"{sample.stem}-without-{n}.log"
            kept = (_shifted(line, n) for i, line in enumerate(lines, 1) if kinds.get(i) not in removed)
            path.write_text("".join(kept), encoding="utf-8")
            variants[path] = checks
    assert sum(len(c) for c in variants.values()) > 30
    outcome = audit_logs(
        load_settings(db=tmp_path / "v.duckdb", out=tmp_path / "out", data_docs=False), list(variants)
    )
    judged: dict[str, list[dict[str, Any]]] = {}
    for s in outcome.sessions:
        judged.setdefault(s.report["session"]["source"], []).append(s.report)
    wrong = []
    for path, checks in variants.items():
        for report in judged[str(path)]:
            for rule_id, expected in checks:
                rule = rules_of(report)[rule_id]
                unevaluated = rule["passed"] is None and rule["summary"].startswith("not evaluated: ")
                if (expected == "unevaluated" and not unevaluated) or rule["passed"] is True:
                    wrong.append(
                        (path.name, report["session"]["mode"], rule_id, rule["passed"], rule["summary"])
                    )
    assert wrong == []


def test_a_warn_template_of_a_new_bot_version_shows_up(tmp_path: Path) -> None:
    """A WARN the catalogue does not know (as a bot version after 6c17115 would write it) is counted
    in lines.unknown_templates, with its numbers masked, and LOG-UNKNOWN lists it."""
    log = tmp_path / MAR.name
    lines = MAR.read_text(encoding="utf-8").splitlines(keepends=True)
    last = json.loads(lines[-1])
    new = []
    for i, stalled in enumerate((12, 31, 7)):
        event = {
            "timestamp": last["timestamp"][:-3] + f"{i}9Z",
            "level": "WARN",
            "fields": {
                "message": f"Quote engine stalled: {stalled} cycles without book update for hyna:HYPE"
            },
            "target": "hyperliquid_rust_sdk::market_maker::orchestrator::quote_engine",
        }
        new.append(json.dumps(event, separators=(",", ":")) + "\n")
    log.write_text("".join(lines[:-1] + new + lines[-1:]), encoding="utf-8")
    outcome = audit_logs(
        load_settings(db=tmp_path / "m.duckdb", out=tmp_path / "out", data_docs=False), [log]
    )
    live = max((s.report for s in outcome.sessions), key=lambda r: r["session"]["started_at"])
    unknown = live["lines"]["unknown_templates"]
    assert (unknown["count"], unknown["lines"]) == (1, 3)
    assert (
        unknown["top"][0]["template"] == "Quote engine stalled: {n} cycles without book update for hyna:HYPE"
    )
    rule = rules_of(live)["LOG-UNKNOWN"]
    assert (rule["passed"], rule["observed"]) == (False, 1)
    assert "3 x WARN Quote engine stalled: {n} cycles" in rule["evidence"][0]["text"]
    assert re.search(r"1 WARN and 0 ERROR templates", rule["summary"])
    md = (Path(outcome.sessions[-1].report_dir) / "report.md").read_text(encoding="utf-8")
    assert "templates it does not know" in md


@pytest.mark.skipif(not FIXTURES.exists(), reason="../shared fixtures not present")
def test_the_december_logs_are_of_the_december_era_and_fully_known(tmp_path: Path) -> None:
    con = connect(tmp_path / "dec.duckdb")
    try:
        sources = [pull_file(con, p, final=True).source_id for p in sorted(FIXTURES.glob("*.log"))]
        build_audit_tables(con, sources)
        rows = con.execute("select bot_era, mode, count(*) from session_summary group by all").fetchall()
        unknown = con.execute("select count(*) from warn_taxonomy where unknown").fetchall()[0][0]
    finally:
        con.close()
    assert rows == [("dec-2025", "live", 12)]
    assert unknown == 0


def test_the_new_rules_pass_fail_and_stay_unevaluated_where_they_should(
    samples: dict[str, list[dict[str, Any]]], tmp_path: Path
) -> None:
    """POS-CLOSE-ON-EXIT and PNL-LOSS-EXPLAINED on each side of their threshold and without evidence."""
    (jan,) = samples[JAN.name]
    paper, live = samples[MAR.name]
    # evidence absent: the January code neither closes on exit nor logs a P&L decomposition
    for rule_id in ("POS-CLOSE-ON-EXIT", "PNL-LOSS-EXPLAINED"):
        assert rules_of(jan)[rule_id]["passed"] is None
        assert "the jan-2026 code does not log" in rules_of(jan)[rule_id]["summary"]
    # the paper phase lost $0.02 while its inventory gained: the loss is not the market's move
    paper_loss = rules_of(paper)["PNL-LOSS-EXPLAINED"]
    assert (paper_loss["passed"], paper_loss["observed"]) == (False, 0)
    assert rules_of(live)["PNL-LOSS-EXPLAINED"]["passed"] is True
    # the close-on-exit order fails: WARN `Position close failed — position remains open` {error = ?}
    # (src/market_maker/orchestrator/recovery.rs:232@6c17115) instead of `Position closed on shutdown`
    lines = MAR.read_text(encoding="utf-8").splitlines(keepends=True)
    closed = max(i for i, line in enumerate(lines) if '"message":"Position closed on shutdown"' in line)
    event = json.loads(lines[closed])
    event["level"] = "WARN"
    event["fields"] = {"message": "Position close failed — position remains open",
                       "error": 'Some("Order could not immediately match against any resting orders")'}
    lines[closed] = json.dumps(event, ensure_ascii=False, separators=(",", ":")) + "\n"
    log = tmp_path / MAR.name
    log.write_text("".join(lines), encoding="utf-8")
    settings = load_settings(db=tmp_path / "m.duckdb", out=tmp_path / "out", data_docs=False)
    outcome = audit_logs(settings, [log])
    failed = max((s.report for s in outcome.sessions), key=lambda r: r["session"]["started_at"])
    rule = rules_of(failed)["POS-CLOSE-ON-EXIT"]
    assert (rule["passed"], rule["observed"], rule["severity"]) == (False, "failed", "critical")
    assert failed["position"]["final"] == failed["position"]["at_shutdown"] == -3.2
    assert rules_of(failed)["SHUTDOWN-CLEAN"]["observed"] == "close_failed"
