"""Alert channels by URL: apprise (json://, ntfy://, mmost://) and the JSON webhook, each against a
real HTTP receiver on 127.0.0.1 that the test starts; retries, failures, masking, the settings."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from pydantic import ValidationError

from mmwatch.alerts import deliver, rule_records
from mmwatch.config import load_settings

KEY_HEX = "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"
ADDRESS = "0x90F8bf6A479f320ead074411a4B0e7944Ea8c9C1"
API_SECRET = "sk_live_51HqPzQ2eZvKYlo2C8xT4mN6bV"
SECRETS = (KEY_HEX, ADDRESS, API_SECRET)


class Catcher:
    """An HTTP receiver on 127.0.0.1: records (path, JSON body) of each POST; answers ``status``."""

    def __init__(self, status: int = 200) -> None:
        self.posts: list[tuple[str, dict[str, Any]]] = []
        self.raw: list[bytes] = []
        self.status = status
        catcher = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server API)
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                catcher.raw.append(body)
                catcher.posts.append((self.path, json.loads(body)))
                self.send_response(catcher.status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.host = f"127.0.0.1:{self.port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def catchers() -> Iterator[dict[str, Catcher]]:
    made = {name: Catcher() for name in ("json", "ntfy", "mmost", "webhook")}
    yield made
    for c in made.values():
        c.close()


def planted_report() -> dict[str, Any]:
    """A report whose failed rule quotes a private key, an address and a secret-named field."""
    return {
        "session": {"id": "20260113T221401Z-abcdef01", "asset": "BTC", "network": "mainnet", "mode": "live"},
        "rules": [
            {"id": "KILL-SWITCH", "title": "Kill switch not triggered", "severity": "critical",
             "passed": False,
             "observed": {"api_secret": API_SECRET, "reason": f"wallet {ADDRESS}"},
             "threshold": "in [not triggered]",
             "summary": f"kill switch after --private-key 0x{KEY_HEX} was rejected for {ADDRESS}"},
            {"id": "SESSION-DURATION", "title": "Session long enough", "severity": "info", "passed": False,
             "observed": 12, "threshold": ">= 600", "summary": "12 s"},
        ],
    }


def urls(c: dict[str, Catcher]) -> list[str]:
    return [f"json://{c['json'].host}/alerts/in", f"ntfy://{c['ntfy'].host}/mm-desk",
            f"mmost://{c['mmost'].host}/hooktoken123"]


def test_each_apprise_url_and_the_webhook_get_one_masked_alert(catchers: dict[str, Catcher]) -> None:
    settings = load_settings(alert_urls=urls(catchers), alert_webhook_url=f"http://{catchers['webhook'].host}/h",
                             alert_attempts=1)
    (record,) = rule_records(planted_report(), "https://reports.example/r.html", "high")
    deliveries = deliver(record, settings)
    assert [d.delivered for d in deliveries] == [True] * 4, deliveries
    assert [len(c.posts) for c in catchers.values()] == [1, 1, 1, 1]
    (path, body), = catchers["json"].posts
    assert path == "/alerts/in" and body["title"] == "mmwatch: KILL-SWITCH failed (critical)"
    assert body["message"].startswith("[CRITICAL] KILL-SWITCH failed in session 20260113T221401Z-abcdef01")
    (path, body), = catchers["ntfy"].posts
    assert body["topic"] == "mm-desk" and "Report: https://reports.example/r.html" in body["message"]
    (path, body), = catchers["mmost"].posts
    assert path == "/hooks/hooktoken123" and "[CRITICAL] KILL-SWITCH failed" in body["text"]
    (path, body), = catchers["webhook"].posts
    assert body["alert"]["rule_id"] == "KILL-SWITCH" and body["text"].startswith("[CRITICAL] KILL-SWITCH")
    assert body["alert"]["observed"]["api_secret"] == "<redacted>"
    for name, catcher in catchers.items():
        sent = b"".join(catcher.raw).decode() + json.dumps([b for _, b in catcher.posts], ensure_ascii=False)
        assert not [s for s in SECRETS if s in sent], name
        assert "0x90F8…c9C1" in sent, name  # masked, still recognisable
    # a channel's name (written to files and tables) keeps the token of a URL out
    assert not any("hooktoken123" in (d.channel or "") for d in deliveries)
    assert [d.status for d in deliveries] == ["apprise JSON sent", "apprise ntfy sent",
                                              "apprise Mattermost sent", "webhook 200"]


def test_a_failing_channel_is_retried_and_does_not_stop_the_others(catchers: dict[str, Catcher]) -> None:
    failing = Catcher(status=500)
    try:
        settings = load_settings(alert_urls=[f"json://{failing.host}/x", f"ntfy://{catchers['ntfy'].host}/t"],
                                 alert_attempts=3, alert_backoff_s=0.01)
        (record,) = rule_records(planted_report(), None, "critical")
        bad, good = deliver(record, settings)
        assert len(failing.posts) == 3 and bad.attempts == 3 and bad.delivered is False
        assert "500" in (bad.error or "") or "Internal Server Error" in (bad.error or "")
        assert good.delivered is True and good.attempts == 1 and len(catchers["ntfy"].posts) == 1
    finally:
        failing.close()


def test_an_unknown_scheme_is_recorded_on_the_alert_not_raised(catchers: dict[str, Catcher]) -> None:
    settings = load_settings(alert_urls=["nosuchservice://abc/def", f"json://{catchers['json'].host}/x"],
                             alert_attempts=2, alert_backoff_s=0)
    (record,) = rule_records(planted_report(), None, "critical")
    broken, ok = deliver(record, settings)
    assert broken.delivered is False and "not an apprise URL" in (broken.error or "")
    assert "abc" not in (broken.channel or "") and ok.delivered is True


def test_alert_urls_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MMWATCH_ALERT_URLS", "tgram://bot/123, ntfy://127.0.0.1:1/t  mmost://h/tok")
    assert load_settings().alert_urls == ["tgram://bot/123", "ntfy://127.0.0.1:1/t", "mmost://h/tok"]
    monkeypatch.setenv("MMWATCH_ALERT_URLS", '["discord://id/token", "json://127.0.0.1:9/x"]')
    assert load_settings().alert_urls == ["discord://id/token", "json://127.0.0.1:9/x"]
    monkeypatch.setenv("MMWATCH_ALERT_URLS", "not-a-url")
    with pytest.raises(ValidationError, match="alert_urls"):
        load_settings()


def test_alert_urls_kept_in_a_prefect_secret_block(prefect_server: None,
                                                   catchers: dict[str, Catcher]) -> None:
    from prefect.blocks.system import Secret

    from mmwatch.alerts.channels import urls_from_secret

    Secret(value=" ".join(urls(catchers)[:2])).save("mmwatch-alert-urls", overwrite=True)
    settings = load_settings(alert_urls=urls_from_secret("mmwatch-alert-urls"), alert_attempts=1)
    (record,) = rule_records(planted_report(), None, "critical")
    sent = [d for d in deliver(record, settings) if d.channel != "prefect-event"]
    assert [d.delivered for d in sent] == [True, True]
    assert len(catchers["json"].posts) == len(catchers["ntfy"].posts) == 1
