"""Prefect events against a real server: labels on every event, the README's automation (pages only
on a critical session), and a supervised bot dying at start-up with a key in its stderr (a masked
alert, a Prefect event and an apprise notification, each received on 127.0.0.1)."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from flows.audit_session import audit_logs
from mmwatch.config import SAMPLES_DIR, load_settings
from mmwatch.rules.events import SESSION_EVENT, live_event_name
from mmwatch.supervisor import SuperviseOptions, supervise
from tests.conftest import fixture_log
from tests.test_alert_channels import ADDRESS, KEY_HEX, Catcher

MMWATCH = str(Path(sys.executable).parent / "mmwatch")
LABELS = ("mmwatch.severity", "mmwatch.asset", "mmwatch.network", "mmwatch.mode")


def read_events(name: str, at_least: int, timeout_s: float = 30.0) -> list[Any]:
    """Events named ``name`` read back through the client (the server persists them in batches)."""
    from prefect.client.orchestration import get_client
    from prefect.events.filters import EventFilter, EventNameFilter

    events: list[Any] = []
    deadline = time.monotonic() + timeout_s
    with get_client(sync_client=True) as client:
        while time.monotonic() < deadline:
            events = client.read_events(EventFilter(event=EventNameFilter(name=[name])), limit=50).events
            if len(events) >= at_least:
                break
            time.sleep(0.5)
    return events


def events_of(name: str, resource_ids: set[str], timeout_s: float = 30.0) -> dict[str, Any]:
    """The events named ``name`` of these resources, by resource id, once all have arrived (earlier
    tests of the session may have sent events of the same name for other sessions)."""
    found: dict[str, Any] = {}
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and not resource_ids <= set(found):
        found.update({e.resource.id: e for e in read_events(name, 1, 1) if e.resource.id in resource_ids})
        time.sleep(0.2)
    assert resource_ids <= set(found), f"events {name} missing for {resource_ids - set(found)}"
    return found


def wait_for(predicate: Any, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.25)
    return predicate()


def test_the_readme_automation_pages_once_for_a_critical_session(prefect_server: None,
                                                                 tmp_path: Path) -> None:
    """The automation of the README (event ``mmwatch.session.audited``, ``mmwatch.severity`` =
    ``critical``), created through the client, run by the server's own trigger and action services."""
    from prefect.automations import Automation, EventTrigger, Posture, SendNotification
    from prefect.blocks.notifications import CustomWebhookNotificationBlock

    pager = Catcher()
    try:
        block_id = CustomWebhookNotificationBlock(
            name="desk-pager", url=f"http://{pager.host}/page", method="POST",
            json_data={"subject": "{{subject}}", "body": "{{body}}"},
        ).save("mmwatch-desk-pager", overwrite=True)
        Automation(
            name="mmwatch-page-on-critical",
            trigger=EventTrigger(expect={SESSION_EVENT}, match={"mmwatch.severity": "critical"},
                                 posture=Posture.Reactive, threshold=1, within=0),
            actions=[SendNotification(
                block_document_id=block_id,
                subject="mmwatch: {{ event.payload.verdict }} session {{ event.payload.session_id }}",
                body="{{ event.payload.text }}")],
        ).create()
        time.sleep(2)  # the trigger service loads automations when they change
        settings = load_settings(db=tmp_path / "m.duckdb", out=tmp_path / "out", data_docs=False)
        (calm,) = audit_logs(settings, [fixture_log("2025-12-27_mm_0aca85a.log")]).sessions
        (grave,) = audit_logs(settings, [SAMPLES_DIR / "mm_mainnet_BTC_2026-01-13_15-13-53.log"]).sessions
        assert calm.alerts[0]["digest"]["verdict"] == "info"
        assert grave.alerts[0]["digest"]["verdict"] == "critical"
        assert wait_for(lambda: len(pager.posts) >= 1, 60), "the automation never fired"
        wanted = {f"mmwatch.session.{s.session_id}" for s in (calm, grave)}
        by_session = events_of(SESSION_EVENT, wanted)
        for e in by_session.values():
            assert all(label in e.resource for label in LABELS)
            assert e.resource["mmwatch.severity"] == e.payload["verdict"]
        assert by_session[f"mmwatch.session.{grave.session_id}"].resource["mmwatch.asset"] == "BTC"
        time.sleep(3)  # the info session's event came first: had it matched, its page would be here
        (page,) = [b for _, b in pager.posts]
        assert page["subject"] == f"mmwatch: critical session {grave.session_id}"
        assert page["body"] == grave.alerts[0]["digest"]["text"]
        rule_events = read_events("mmwatch.rule.failed", 1)
        assert rule_events and all(all(label in e.resource for label in LABELS) for e in rule_events)
    finally:
        pager.close()


def test_a_bot_dying_at_start_up_sends_a_masked_alert_an_event_and_a_notification(
        prefect_server: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    hook, apprise_in = Catcher(), Catcher()
    urls = f"json://{apprise_in.host}/mm"
    monkeypatch.setenv("MMWATCH_ALERT_URLS", urls)  # for a live path that takes only the webhook URL
    try:
        settings = load_settings(log_dir=tmp_path / "logs", db=tmp_path / "m.duckdb", out=tmp_path / "out",
                                 pull_every_s=0.2, max_restarts=0, alert_urls=[urls], alert_attempts=2,
                                 alert_backoff_s=0.05, alert_webhook_url=f"http://{hook.host}/hook")
        said = f"invalid private key 0x{KEY_HEX} for wallet {ADDRESS}"
        command = [MMWATCH, "replay", str(fixture_log("2025-12-30_mm_d50bb67.log")),
                   "--log-file", "{log_file}", "--max-lines", "0", "--exit-code", "1", "--message", said]
        outcome = supervise(settings, SuperviseOptions(command=command, audit=False), log=lambda _: None)
        assert [r.end for r in outcome.runs] == ["startup_failure"]
        (alert,) = [a for a in outcome.runs[0].alerts if a["rule_id"] == "BOT-STARTUP-FAILURE"]
        assert "invalid private key" in alert["stderr"] and alert["kind"] == "live"
        events = read_events(live_event_name("BOT-STARTUP-FAILURE"), 1)
        assert len(events) == 1 and events[0].resource["mmwatch.severity"] == "critical"
        assert all(label in events[0].resource for label in LABELS)
        webhook = [b for _, b in hook.posts if b["alert"]["rule_id"] == "BOT-STARTUP-FAILURE"]
        notified = [b for _, b in apprise_in.posts if "Bot failed to start" in b["title"]]
        assert len(webhook) == 1 and len(notified) == 1
        files = sorted((tmp_path / "out" / "live_alerts").glob("*.json"))
        sent = {
            "webhook": json.dumps(webhook, ensure_ascii=False) + b"".join(hook.raw).decode(),
            "apprise": json.dumps(notified, ensure_ascii=False) + b"".join(apprise_in.raw).decode(),
            "event": events[0].model_dump_json(),
            "files": "".join(p.read_text() for p in files),
        }
        for where, text in sent.items():
            assert KEY_HEX not in text and ADDRESS not in text, where
        assert "invalid private key" in notified[0]["message"] and "0x90F8…c9C1" in sent["apprise"]
        assert "invalid private key" in events[0].payload["stderr"]
        assert [d["delivered"] for d in alert["deliveries"]] == [True, True, True]
    finally:
        hook.close()
        apprise_in.close()
