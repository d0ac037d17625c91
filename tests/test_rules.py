"""Rule engine: GX suites in expectations/ over sql/rules/, on the real bot logs."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import duckdb
import pytest

from mmwatch.config import EXPECTATIONS_DIR, SEVERITIES, SQL_DIR, load_settings
from mmwatch.ingest import pull_file
from mmwatch.rules import RuleConfigError, load_catalogue
from mmwatch.rules.events import EVENT, rule_failed_events
from mmwatch.store import connect
from mmwatch.transform import build_audit_tables
from tasks.rules import evaluate_rules, exit_code_for
from tests.conftest import ROOT, fixture_log

UNTRACKED = {"2025-12-27_mm_406c182.log": (23, 37), "2025-12-28_mm_test2_d966775.log": (12, 14),
             "2025-12-30_mm_d50bb67.log": (24, 30)}
TRACKED_ONLY = ["2025-12-23_mm_80db3bb.log", "2025-12-24_mm_ef0543a.log", "2025-12-27_mm_0aca85a.log",
                "2025-12-28_mm_live_d966775.log"]
NO_FILLS = "2025-12-23_mm_cdd2646.log"
REQUIRED = ["SESSION-DURATION", "ACCT-START", "ACCT-END", "ACCT-CHANGE", "POS-FINAL", "FILL-COUNT",
            "FILL-UNTRACKED", "LOG-WARN-ERROR", "PRICE-CROSSED-MID", "PRICE-MICROPRICE-DIVERGENCE",
            "PRICE-QUOTE-DRIFT", "PNL-TRACKED", "RATE-HEADROOM", "RATE-THROTTLE", "LADDER-CAPACITY",
            "KILL-SWITCH", "SYNC-MISMATCH", "SPREAD-RANGE", "LADDER-ENTROPY", "PIPELINE-L1L2L3",
            "WARMUP-BYPASS", "LOG-ERRORS", "SHUTDOWN-CLEAN", "PNL-DRAWDOWN", "POS-LIMIT", "ORDER-REJECTS",
            "RATE-429"]


def by_id(rules: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {r["id"]: r for r in rules}


@pytest.fixture(scope="module")
def audited(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One store with the fixture logs, audit tables built, every session's rules evaluated once."""
    tmp = tmp_path_factory.mktemp("rules")
    names = [*UNTRACKED, *TRACKED_ONLY, NO_FILLS]
    con = connect(tmp / "m.duckdb")
    source_ids = [pull_file(con, fixture_log(n), final=True).source_id for n in names]
    session_ids = build_audit_tables(con, source_ids)
    paths = dict(con.execute("select session_id, source_path from session_summary").fetchall())
    settings = load_settings(db=tmp / "m.duckdb", out=tmp / "out", data_docs=False)
    sessions = {Path(paths[sid]).name: sid for sid in session_ids}
    results = {name: by_id(evaluate_rules.fn(con, sid, settings)) for name, sid in sessions.items()}
    yield {"con": con, "settings": settings, "sessions": sessions, "results": results, "tmp": tmp}
    con.close()


def test_catalogue_covers_the_rules_one_sql_file_each() -> None:
    suites = load_catalogue(EXPECTATIONS_DIR)
    rules = [r for s in suites for r in s.rules]
    ids = [r.rule_id for r in rules]
    assert len(ids) == len(set(ids))
    assert set(REQUIRED) <= set(ids)
    sql_ids = {p.stem for p in (SQL_DIR / "rules").glob("*.sql") if not p.name.startswith("_")}
    assert sql_ids == set(ids)
    for suite in suites:  # GX 1.24 suite JSON: name, expectations with type/kwargs/meta/severity/id
        assert suite.data["meta"]["great_expectations_version"] == "1.24.1"
        for exp in suite.data["expectations"]:
            assert exp["kwargs"]["column"] == exp["meta"]["rule_id"]
            assert exp["meta"]["severity"] in SEVERITIES
            assert exp["meta"]["remediation"] and exp["meta"]["evidence"] and exp["id"]


def test_untracked_fills_fail_where_the_bot_lost_track(audited: dict[str, Any]) -> None:
    for name, (untracked, total) in UNTRACKED.items():
        rule = audited["results"][name]["FILL-UNTRACKED"]
        assert rule["passed"] is False, name
        assert rule["severity"] == "critical"
        assert rule["observed"] == pytest.approx(untracked / total)
        assert rule["summary"].startswith(f"{untracked}/{total} fills untracked")
        assert 1 <= len(rule["evidence"]) <= 10
        assert all("Untracked order filled: oid=" in e["text"] and e["line_no"] > 0 for e in rule["evidence"])
    for name in TRACKED_ONLY:
        rule = audited["results"][name]["FILL-UNTRACKED"]
        assert rule["passed"] is True and rule["observed"] == 0, name
        assert rule["evidence"] == []


def test_kill_switch_fails_on_the_session_where_it_fired(audited: dict[str, Any]) -> None:
    rule = audited["results"]["2025-12-28_mm_test2_d966775.log"]["KILL-SWITCH"]
    assert rule["passed"] is False and rule["severity"] == "critical"
    assert rule["observed"] == "triggered"
    assert "Max position value exceeded: $10189.18 > $10000.00" in rule["summary"]
    assert any(e["text"].startswith("KILL SWITCH TRIGGERED") for e in rule["evidence"])
    for name in ("2025-12-27_mm_0aca85a.log", "2025-12-30_mm_d50bb67.log"):  # `Kill switch was NOT triggered`
        assert audited["results"][name]["KILL-SWITCH"]["passed"] is True
    # abrupt end, no verdict line: not evaluated, never a pass
    assert audited["results"]["2025-12-27_mm_406c182.log"]["KILL-SWITCH"]["passed"] is None


def test_absent_evidence_is_not_evaluated(audited: dict[str, Any]) -> None:
    # No Dec fixture logs rate-limit headroom (Jan+ lines); a session without fills has no ratio.
    for name, rule_id in [("2025-12-28_mm_test2_d966775.log", "RATE-HEADROOM"), (NO_FILLS, "FILL-UNTRACKED"),
                          (NO_FILLS, "ACCT-START")]:
        rule = audited["results"][name][rule_id]
        assert rule["passed"] is None and rule["observed"] is None, (name, rule_id)
        assert rule["summary"].startswith("not evaluated")
    con, sid = audited["con"], audited["sessions"]["2025-12-28_mm_test2_d966775.log"]
    stored = con.execute("select passed, observed from rule_results where session_id = ? and rule_id = ?",
                         [sid, "RATE-HEADROOM"]).fetchall()
    assert stored == [(None, "null")]


def test_rule_results_are_replaced_on_re_audit(audited: dict[str, Any]) -> None:
    con, settings = audited["con"], audited["settings"]
    sid = audited["sessions"]["2025-12-27_mm_0aca85a.log"]
    again = evaluate_rules.fn(con, sid, settings)
    rows = con.execute("select rule_id, severity, passed, threshold, failing_rows from rule_results "
                       "where session_id = ?", [sid]).fetchall()
    assert len(rows) == len(again) == len(audited["results"]["2025-12-27_mm_0aca85a.log"])
    stored = {r[0]: r for r in rows}
    for rule in again:
        assert stored[rule["id"]][1:4] == (rule["severity"], rule["passed"], rule["threshold"])
        assert json.loads(stored[rule["id"]][4]) == rule["evidence"]


def test_threshold_lives_in_the_json(audited: dict[str, Any], tmp_path: Path) -> None:
    con, name = audited["con"], "2025-12-28_mm_test2_d966775.log"
    sid = audited["sessions"][name]
    assert audited["results"][name]["FILL-UNTRACKED"]["passed"] is False  # 12/14 = 0.857 vs < 0.25
    copy = tmp_path / "expectations"
    shutil.copytree(EXPECTATIONS_DIR, copy)
    suite_path = copy / "fills_pnl.json"
    suite = json.loads(suite_path.read_text())
    (exp,) = [e for e in suite["expectations"] if e["meta"]["rule_id"] == "FILL-UNTRACKED"]
    exp["kwargs"]["max_value"] = 0.9
    suite_path.write_text(json.dumps(suite))
    settings = audited["settings"].model_copy(update={"expectations_dir": copy})
    rule = by_id(evaluate_rules.fn(con, sid, settings))["FILL-UNTRACKED"]
    assert rule["passed"] is True and rule["threshold"] == "< 0.9"
    evaluate_rules.fn(con, sid, audited["settings"])  # put the real verdicts back for the other tests


def test_bad_rule_definition_is_a_one_line_error(tmp_path: Path) -> None:
    copy = tmp_path / "expectations"
    shutil.copytree(EXPECTATIONS_DIR, copy)
    suite = json.loads((copy / "risk_sync.json").read_text())
    suite["expectations"][0]["meta"]["severity"] = "urgent"
    (copy / "risk_sync.json").write_text(json.dumps(suite))
    expected = r"^risk_sync.json: expectation \S+: meta.severity 'urgent'"
    with pytest.raises(RuleConfigError, match=expected) as err:
        load_catalogue(copy)
    assert "\n" not in str(err.value)


def test_exit_code_follows_fail_on(audited: dict[str, Any]) -> None:
    killed = list(audited["results"]["2025-12-28_mm_test2_d966775.log"].values())
    assert exit_code_for(killed, "critical") == 1
    calm = list(audited["results"]["2025-12-27_mm_0aca85a.log"].values())
    failed = {r["severity"] for r in calm if r["passed"] is False}
    assert failed and failed <= {"info"}  # short session (duration), negative tracked P&L: info only
    assert [exit_code_for(calm, level) for level in ("critical", "high", "medium", "info")] == [0, 0, 0, 1]
    nulls = [r for r in calm if r["passed"] is None]
    assert nulls and exit_code_for(nulls, "info") == 0


def test_failed_rule_events_carry_the_figures(audited: dict[str, Any]) -> None:
    rules = list(audited["results"]["2025-12-28_mm_test2_d966775.log"].values())
    sid = audited["sessions"]["2025-12-28_mm_test2_d966775.log"]
    events = rule_failed_events(sid, "BTC", rules)
    assert len(events) == sum(r["passed"] is False for r in rules)
    kill = next(e for e in events if e["payload"]["rule"] == "KILL-SWITCH")
    assert kill["event"] == EVENT and kill["resource"]["prefect.resource.id"] == f"mmwatch.session.{sid}"
    assert kill["payload"] | {"title": None, "summary": None} == {
        "session": sid, "asset": "BTC", "rule": "KILL-SWITCH", "severity": "critical",
        "observed": "triggered", "threshold": "in [not triggered]", "title": None, "summary": None}


def test_data_docs_site_beside_the_report(audited: dict[str, Any]) -> None:
    con, name = audited["con"], "2025-12-27_mm_406c182.log"
    sid = audited["sessions"][name]
    settings = audited["settings"].model_copy(update={"data_docs": True})
    evaluate_rules.fn(con, sid, settings)
    site = settings.out_dir / sid / "data_docs"
    pages = list((site / "validations").rglob("*.html"))
    assert (site / "index.html").exists() and len(pages) == 1
    assert "FILL-UNTRACKED" in pages[0].read_text()
    size = sum(p.stat().st_size for p in site.rglob("*") if p.is_file())
    assert size < 2_000_000  # GX's unreferenced tutorial GIFs (3.4 MB) are pruned


def _mmwatch(*args: str, tmp: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MMWATCH_DATA_DOCS": "false"}
    env.pop("PREFECT_API_URL", None)
    cli = str(Path(sys.executable).parent / "mmwatch")  # the console script of the venv
    return subprocess.run([cli, "audit", "--no-prefect", "--db", str(tmp / "m.duckdb"),
                           "--out", str(tmp / "out"), *args],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


def test_seed_session_fails_like_the_hand_audit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    """The January-format log with the seed audit's figures: `mmwatch audit` (a real subprocess) exits 1."""
    from tests.jan_log import write_jan_log

    log = tmp_path / "mm_mainnet_BTC_2026-01-13_15-13-53.log"
    write_jan_log(log)
    run = _mmwatch(str(log), tmp=tmp_path)
    assert run.returncode == 1, run.stderr
    with duckdb.connect(str(tmp_path / "m.duckdb"), read_only=True) as con:
        verdicts = dict(con.execute("select rule_id, passed from rule_results").fetchall())
        summaries = dict(con.execute("select rule_id, summary from rule_results").fetchall())
    failed = {rule for rule, passed in verdicts.items() if passed is False}
    assert {"FILL-UNTRACKED", "PRICE-CROSSED-MID", "RATE-HEADROOM", "PRICE-QUOTE-DRIFT"} <= failed
    assert verdicts["KILL-SWITCH"] is True
    assert summaries["FILL-UNTRACKED"] == "18/27 fills untracked (67%)"
    assert summaries["PRICE-CROSSED-MID"].startswith("10 crossed-mid clamp ERRORs")
    assert summaries["RATE-HEADROOM"].startswith("headroom 1.8% -> 4.8%")
    assert "(103.2-213.1 bps; [Reconcile] 13, [Unified] 0)" in summaries["PRICE-QUOTE-DRIFT"]
    # Same CLI in-process (GX already imported): no critical failure -> 0; --fail-on info tightens -> 1.
    from mmwatch.cli import main

    monkeypatch.setenv("MMWATCH_DATA_DOCS", "false")
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    calm = ["audit", "--no-prefect", "--db", str(tmp_path / "m.duckdb"), "--out", str(tmp_path / "out"),
            str(fixture_log("2025-12-27_mm_0aca85a.log"))]
    assert main(calm) == 0
    assert main([*calm, "--fail-on", "info"]) == 1
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "rules.json").write_text("{not json")
    monkeypatch.setenv("MMWATCH_EXPECTATIONS_DIR", str(broken))
    capsys.readouterr()
    assert main(calm) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "rules.json: not a readable suite JSON" in err  # one line, no traceback


def test_flow_run_emits_one_event_per_failed_rule(prefect_server: None, tmp_path: Path) -> None:
    """Inside a real flow run, evaluate-rules is a task and sends `mmwatch.rule.failed` per failed rule."""
    import time

    from prefect import flow
    from prefect.client.orchestration import get_client
    from prefect.events.filters import EventFilter, EventNameFilter, EventRelatedFilter

    from tasks import run_step

    @flow(name="rules-events-probe")
    def probe(log: str, db: str, out: str) -> list[dict[str, Any]]:
        settings = load_settings(db=Path(db), out=Path(out), data_docs=False)
        con = connect(settings.db_path)
        try:
            (sid,) = build_audit_tables(con, [pull_file(con, log, final=True).source_id])
            return run_step(evaluate_rules, con, sid, settings)
        finally:
            con.close()

    state = probe(str(fixture_log("2025-12-28_mm_test2_d966775.log")), str(tmp_path / "m.duckdb"),
                  str(tmp_path / "out"), return_state=True)
    failed = sorted(r["id"] for r in state.result() if r["passed"] is False)
    assert "KILL-SWITCH" in failed
    run_id = f"prefect.flow-run.{state.state_details.flow_run_id}"
    events: list[Any] = []
    with get_client(sync_client=True) as client:
        for _ in range(60):  # the server persists events in batches: poll up to ~30 s
            query = EventFilter(event=EventNameFilter(name=[EVENT]), related=EventRelatedFilter(id=[run_id]))
            events = client.read_events(query, limit=50).events
            if len(events) >= len(failed):
                break
            time.sleep(0.5)
    assert sorted(e.payload["rule"] for e in events) == failed
    kill = next(e for e in events if e.payload["rule"] == "KILL-SWITCH")
    assert kill.resource.id == "mmwatch.session.20251228T050140Z-e719df8e"
    assert kill.payload["severity"] == "critical" and kill.payload["observed"] == "triggered"
    assert kill.payload["threshold"] == "in [not triggered]" and kill.payload["asset"] == "BTC"
    assert state.is_completed()
