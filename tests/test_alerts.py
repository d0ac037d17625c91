"""Alerts: digest + per-rule records, webhook notifications to a real HTTP server on 127.0.0.1, retries,
the alerts table."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import duckdb
import pytest

from flows.audit_session import audit_logs
from mmwatch.alerts import DIGEST_RULE, NO_CHANNEL, alert_records
from mmwatch.config import SEVERITIES, Settings, load_settings
from tasks.alerts import raise_alerts
from tests.conftest import fixture_log


class Receiver:
    """A webhook receiver: records every POST body; answers ``status``."""

    def __init__(self, status: int = 200) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.status = status
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server API)
                length = int(self.headers.get("Content-Length", 0))
                receiver.bodies.append(json.loads(self.rfile.read(length)))
                self.send_response(receiver.status)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/mmwatch"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


@pytest.fixture(scope="module")
def audited(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A real audit of the kill-switch session (no alert channel configured)."""
    tmp = tmp_path_factory.mktemp("alerts")
    settings = load_settings(db=tmp / "m.duckdb", out=tmp / "out", data_docs=False)
    (session,) = audit_logs(settings, [fixture_log("2025-12-28_mm_test2_d966775.log")]).sessions
    return {"settings": settings, "report": session.report, "tmp": tmp}


def fresh(audited: dict[str, Any], tmp_path: Path, **update: Any) -> Settings:
    """The audit's settings on a store of its own, so each test sees only its own alerts."""
    db = tmp_path / "m.duckdb"
    db.write_bytes((audited["settings"].db_path).read_bytes())
    with duckdb.connect(str(db)) as con:
        con.execute("delete from alerts")  # the audit's own (undelivered, no channel) alerts
    return audited["settings"].model_copy(update={"db": db, "out": tmp_path / "out", **update})


def alerts_table(settings: Settings) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(settings.db_path), read_only=True) as con:
        return con.execute("select rule_id, severity, delivered, attempts, error, channel from alerts "
                           "order by rule_id").fetchall()


def expected_rules(report: dict[str, Any], floor: str) -> set[str]:
    return {r["id"] for r in report["rules"]
            if r["passed"] is False and SEVERITIES.index(r["severity"]) >= SEVERITIES.index(floor)}


def expected_alerts(report: dict[str, Any], floor: str) -> set[str]:
    """What a session sends: its digest, and the failed rules at or above the floor."""
    return {DIGEST_RULE} | expected_rules(report, floor)


def test_the_audit_records_undelivered_alerts_without_a_channel(audited: dict[str, Any]) -> None:
    settings, report = audited["settings"], audited["report"]
    rows = alerts_table(settings)
    assert {r[0] for r in rows} == expected_alerts(report, settings.alert_min_severity)
    assert {"FILL-UNTRACKED", "KILL-SWITCH"} <= {r[0] for r in rows}
    assert all(r[2] is False and r[3] == 0 and NO_CHANNEL in r[4] for r in rows)
    folder = settings.out_dir / report["session"]["id"] / "alerts"
    assert sorted(p.stem for p in folder.glob("*.json")) == sorted(r[0] for r in rows)


def test_webhook_receives_the_digest_and_one_notification_per_grave_rule(
        audited: dict[str, Any], receiver: Receiver, tmp_path: Path) -> None:
    settings = fresh(audited, tmp_path, alert_webhook_url=receiver.url)
    report = audited["report"]
    link = "s3://reports/20251228T050140Z-e719df8e/report.md"
    records = raise_alerts.fn(report, link, settings)
    received = [b["alert"]["rule_id"] for b in receiver.bodies]
    assert {r["rule_id"] for r in records} == expected_alerts(report, "high") == set(received)
    assert len(receiver.bodies) == len(records) and received.count(DIGEST_RULE) == 1
    digest = next(b for b in receiver.bodies if b["alert"]["rule_id"] == DIGEST_RULE)
    assert digest["text"].startswith("[CRITICAL] session 20251228T050140Z-e719df8e")
    assert "Kill switch: TRIGGERED" in digest["text"] and f"Report: {link}" in digest["text"]
    assert digest["alert"]["digest"]["verdict"] == "critical" and digest["alert"]["kind"] == "digest"
    hook = next(b for b in receiver.bodies if b["alert"]["rule_id"] == "KILL-SWITCH")
    kill = hook["alert"]
    assert hook["text"].startswith("[CRITICAL] KILL-SWITCH failed in session 20251228T050140Z-e719df8e")
    assert kill["session"] == report["session"]["id"] and kill["asset"] == "BTC"
    assert kill["severity"] == "critical" and kill["observed"] == "triggered"
    assert kill["threshold"] == "in [not triggered]" and kill["report_link"] == link
    rows = alerts_table(settings)
    assert all(r[2] is True and r[3] == 1 and r[4] is None and r[5] == receiver.url for r in rows)
    folder = settings.out_dir / report["session"]["id"] / "alerts"
    saved = json.loads((folder / "KILL-SWITCH.json").read_text())
    assert saved["delivery"]["delivered"] is True and saved["report_link"] == link
    # a re-audit does not page again for what was delivered
    raise_alerts.fn(report, link, settings)
    assert len(receiver.bodies) == len(records)


def test_server_down_alert_retried_and_recorded_undelivered(audited: dict[str, Any], tmp_path: Path) -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings = fresh(audited, tmp_path, alert_webhook_url=f"http://127.0.0.1:{port}/hook",
                     alert_attempts=3, alert_backoff_s=0.01, alert_min_severity="critical")
    records = raise_alerts.fn(audited["report"], None, settings)
    assert {r["rule_id"] for r in records} == expected_alerts(audited["report"], "critical")
    rows = alerts_table(settings)
    assert len(rows) == len(records) > 0
    for _rule, severity, delivered, attempts, error, _channel in rows:
        assert severity == "critical" and delivered is False and attempts == 3  # the digest's: the verdict
        assert "URLError" in error and "refused" in error.lower()
    folder = settings.out_dir / audited["report"]["session"]["id"] / "alerts"
    saved = json.loads((folder / "KILL-SWITCH.json").read_text())
    assert saved["delivery"]["delivered"] is False and saved["delivery"]["channels"][0]["attempts"] == 3
    assert saved["report_link"] == str((folder.parent / "report.html").resolve())  # not published: local
    # the next audit retries what was not delivered, and succeeds once the receiver is up
    up = Receiver()
    try:
        again = settings.model_copy(update={"alert_webhook_url": up.url})
        raise_alerts.fn(audited["report"], None, again)
        assert len(up.bodies) == len(records)
        assert all(r[2] is True for r in alerts_table(again))
    finally:
        up.close()


def test_error_answers_are_retried(audited: dict[str, Any], tmp_path: Path) -> None:
    failing = Receiver(status=500)
    try:
        settings = fresh(audited, tmp_path, alert_webhook_url=failing.url, alert_attempts=2,
                         alert_backoff_s=0.01, alert_min_severity="critical")
        records = raise_alerts.fn(audited["report"], None, settings)
        assert len(failing.bodies) == 2 * len(records)  # every alert tried twice
        assert all(r[2] is False and "500" in r[4] for r in alerts_table(settings))
    finally:
        failing.close()


def test_alert_records_follow_the_severity_floor(audited: dict[str, Any]) -> None:
    report = audited["report"]
    for floor in SEVERITIES:
        records = alert_records(report, None, floor)
        assert {r["rule_id"] for r in records} == expected_rules(report, floor)
    assert len(alert_records(report, None, "info")) > len(alert_records(report, None, "critical")) > 0
    with pytest.raises(ValueError, match="alert_min_severity"):
        alert_records(report, None, "urgent")


def test_prefect_notification_block_delivers(prefect_server: None, audited: dict[str, Any],
                                            receiver: Receiver, tmp_path: Path) -> None:
    """alert_block names a saved Prefect notification block; it posts to the receiver on 127.0.0.1."""
    from prefect.blocks.notifications import CustomWebhookNotificationBlock

    CustomWebhookNotificationBlock(
        name="mmwatch-test", url=receiver.url, method="POST",
        json_data={"subject": "{{subject}}", "body": "{{body}}"},
    ).save("mmwatch-test-hook", overwrite=True)
    settings = fresh(audited, tmp_path, alert_block="custom-webhook/mmwatch-test-hook",
                     alert_min_severity="critical")
    records = raise_alerts.fn(audited["report"], None, settings)
    assert len(receiver.bodies) == len(records) > 0
    subjects = sorted(b["subject"] for b in receiver.bodies)
    session = audited["report"]["session"]
    where = " ".join(x for x in (session["network"], session["asset"]) if x)
    assert subjects == sorted([f"mmwatch: session {session['id']} critical ({where})"]
                              + [f"mmwatch: {r['rule_id']} failed (critical)" for r in records[1:]])
    assert any(b["body"].startswith("[CRITICAL] KILL-SWITCH failed") for b in receiver.bodies)
    rows = alerts_table(settings)
    block = "prefect-block:custom-webhook/mmwatch-test-hook"
    assert all(r[2] is True and r[5] == block for r in rows)  # the table counts notifications only
    # with a Prefect API the digest is also the `mmwatch.session.audited` event (listed in its record);
    # rule alerts are not events of their own (the rule step sends `mmwatch.rule.failed` per failed rule)
    folder = settings.out_dir / session["id"] / "alerts"
    channels = {p.stem: json.loads(p.read_text())["delivery"]["channels"] for p in folder.glob("*.json")}
    evented = {rule for rule, sent in channels.items() if any(c["channel"] == "prefect-event" for c in sent)}
    assert evented == {DIGEST_RULE}
