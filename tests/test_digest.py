"""The session digest: one per session, figures from report.json, masked; per-rule alerts only at
or above the threshold. The sample session is audited for real, alerts to a receiver on 127.0.0.1."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import duckdb
import pytest

from flows.audit_session import audit_logs
from mmwatch.alerts import DIGEST_RULE, session_digest
from mmwatch.config import SAMPLES_DIR, SEVERITIES, load_settings
from tasks.alerts import raise_alerts
from tests.test_alert_channels import ADDRESS, KEY_HEX, Catcher

SAMPLE = SAMPLES_DIR / "mm_mainnet_BTC_2026-01-13_15-13-53.log"


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A real audit of the sample session, its alerts posted to a webhook receiver on 127.0.0.1."""
    tmp = tmp_path_factory.mktemp("digest")
    hook = Catcher()
    try:
        settings = load_settings(db=tmp / "m.duckdb", out=tmp / "out", data_docs=False,
                                 alert_webhook_url=f"http://{hook.host}/hook", alert_attempts=1)
        (session,) = audit_logs(settings, [SAMPLE]).sessions
    finally:
        hook.close()
    return {"settings": settings, "report": session.report, "alerts": session.alerts,
            "bodies": [b for _, b in hook.posts], "dir": Path(session.report_dir), "tmp": tmp}


def failed(report: dict[str, Any], floor: str = "info") -> list[dict[str, Any]]:
    return [r for r in report["rules"]
            if r["passed"] is False and SEVERITIES.index(r["severity"]) >= SEVERITIES.index(floor)]


def test_the_sample_sends_one_digest_and_only_the_grave_rules(sample: dict[str, Any]) -> None:
    report, bodies = sample["report"], sample["bodies"]
    sent = [b["alert"]["rule_id"] for b in bodies]
    assert sent.count(DIGEST_RULE) == 1
    grave = sorted(r["id"] for r in failed(report, "high"))
    assert sorted(s for s in sent if s != DIGEST_RULE) == grave
    assert len(failed(report)) > len(grave) > 0  # info and medium failures were held back
    assert [a["rule_id"] for a in sample["alerts"]] == sent  # digest first, in the order sent
    files = sorted(p.stem for p in (sample["dir"] / "alerts").glob("*.json"))
    assert files == sorted([DIGEST_RULE, *grave])


def test_the_digest_carries_the_figures_of_the_report(sample: dict[str, Any]) -> None:
    report = sample["report"]
    (body,) = [b for b in sample["bodies"] if b["alert"]["rule_id"] == DIGEST_RULE]
    d = body["alert"]["digest"]
    worst = max((r["severity"] for r in failed(report)), key=SEVERITIES.index)
    assert d["verdict"] == worst and body["alert"]["severity"] == worst
    for sev in SEVERITIES:
        assert d["counts"][sev] == sum(r["severity"] == sev for r in failed(report))
    assert d["counts"]["passed"] == sum(r["passed"] is True for r in report["rules"])
    assert d["counts"]["not_evaluated"] == sum(r["passed"] is None for r in report["rules"])
    ranks = [SEVERITIES.index(f["severity"]) for f in d["top_findings"]]
    assert len(ranks) == min(5, len(failed(report))) and ranks == sorted(ranks, reverse=True)
    first = next(r for r in report["rules"] if r["id"] == d["top_findings"][0]["rule_id"])
    assert first["severity"] == worst and d["top_findings"][0]["threshold"] == first["threshold"]
    s = report["session"]
    assert (d["session_id"], d["asset"], d["network"], d["mode"], d["bot_era"]) == (
        s["id"], s["asset"], s["network"], s["mode"], s["bot_era"])
    assert d["kill_switch"]["triggered"] is report["kill_switch"]["triggered"]
    assert d["link"] == str((sample["dir"] / "report.html").resolve())  # not published: the local report
    lines = d["text"].splitlines()
    assert lines[0].startswith(f"[{worst.upper()}] session {s['id']}") and body["text"] == d["text"]
    assert any(line.startswith("Kill switch: ") for line in lines) and lines[-1] == f"Report: {d['link']}"
    assert sum(line.startswith("- [") for line in lines) == len(d["top_findings"])


def test_a_threshold_of_critical_sends_only_critical_rules(sample: dict[str, Any], tmp_path: Path) -> None:
    hook = Catcher()
    try:
        db = tmp_path / "m.duckdb"
        db.write_bytes(sample["settings"].db_path.read_bytes())
        with duckdb.connect(str(db)) as con:
            con.execute("delete from alerts")
        settings = sample["settings"].model_copy(update={
            "db": db, "out": tmp_path / "out", "alert_min_severity": "critical",
            "alert_webhook_url": f"http://{hook.host}/hook"})
        raise_alerts.fn(sample["report"], "https://reports.example/x/report.html", settings)
        sent = sorted(b["alert"]["rule_id"] for _, b in hook.posts)
        assert sent == sorted([DIGEST_RULE, *(r["id"] for r in failed(sample["report"], "critical"))])
        # a re-audit with the same findings pages nobody again; a changed verdict sends a new digest
        raise_alerts.fn(sample["report"], "https://reports.example/x/report.html", settings)
        assert len(hook.posts) == len(sent)
        worse = copy.deepcopy(sample["report"])
        worse["kill_switch"] = {"triggered": True, "reasons": ["drawdown 5.1% > 5%"]}
        raise_alerts.fn(worse, "https://reports.example/x/report.html", settings)
        assert [b["alert"]["rule_id"] for _, b in hook.posts[len(sent):]] == [DIGEST_RULE]
        assert "Kill switch: TRIGGERED (drawdown 5.1% > 5%)" in hook.posts[-1][1]["text"]
    finally:
        hook.close()


def test_a_clean_report_and_planted_secrets(sample: dict[str, Any]) -> None:
    clean = copy.deepcopy(sample["report"])
    for r in clean["rules"]:
        r["passed"] = True if r["passed"] is False else r["passed"]
    clean.pop("pnl")
    d = session_digest(clean, None)
    assert d["verdict"] == "clean" and d["top_findings"] == [] and d["pnl"] is None and d["link"] is None
    assert d["text"].startswith("[CLEAN]") and "P&L: n/a" in d["text"]
    planted = copy.deepcopy(sample["report"])
    worst = failed(planted)[0]
    worst["severity"] = "critical"
    worst["summary"] = f"order signed with 0x{KEY_HEX} from {ADDRESS}"
    worst["observed"] = {"private_key": KEY_HEX}
    planted["kill_switch"] = {"triggered": True, "reasons": [f"wallet {ADDRESS} drained"]}
    out = json.dumps(session_digest(planted, "https://reports.example/r.html"), ensure_ascii=False)
    assert KEY_HEX not in out and ADDRESS not in out and "0x90F8…c9C1" in out
