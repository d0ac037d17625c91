"""Where alerts go: a JSON webhook, apprise URLs, a Prefect notification block, a Prefect event.

Each channel sends one record and raises on failure (the delivery path retries and records it);
``send`` returns a short status for the record (``webhook 200``). What a channel puts on the wire
is built from the masked record by ``mmwatch.alerts.records``; a channel's name, written to files
and tables, never carries the secret part of its URL (an apprise URL holds tokens: a Telegram bot
token, a Slack webhook's path), apprise's own privacy rendering is used for it.

* webhook (``alert_webhook_url``): POST ``{"text": ..., "alert": record}``; Slack's incoming
  webhooks read ``text``, machines read ``alert``.
* apprise (``alert_urls``): any apprise URL, ``tgram://``, ``slack://``, ``discord://``, ``ntfy://``,
  ``mmost://``, ``json://``, ``mailto://`` ...; title + body.
* Prefect block (``alert_block``): ``<block-type-slug>/<name>``, ``notify(body, subject)``.
* Prefect event (when a Prefect API is there, ``mmwatch.rules.events``): the digest as
  ``mmwatch.session.audited``, a live alert as ``mmwatch.live.<condition>``.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any, Protocol

from mmwatch.alerts.records import message_text, subject, webhook_body
from mmwatch.masking import mask_text


class Channel(Protocol):
    name: str

    def send(self, record: dict[str, Any]) -> str: ...


@dataclass
class WebhookChannel:
    url: str
    timeout_s: float

    @property
    def name(self) -> str:
        return mask_text(self.url)

    def send(self, record: dict[str, Any]) -> str:
        data = json.dumps(webhook_body(record), ensure_ascii=False).encode("utf-8")
        request = urllib.request.Request(self.url, data=data, method="POST",
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=self.timeout_s) as response:  # noqa: S310 (URL from settings)
            if not 200 <= response.status < 300:
                raise urllib.error.HTTPError(self.url, response.status, "unexpected status", response.headers,
                                             None)
            return f"webhook {response.status}"


class AppriseChannel:
    """One apprise URL. Apprise reports a failure as ``False`` plus a log line: the line is the error."""

    def __init__(self, url: str, timeout_s: float) -> None:
        import apprise

        self.url = url
        self.plugin = apprise.Apprise.instantiate(url)
        if self.plugin is None:
            raise ValueError(f"not an apprise URL: {mask_text(url.split('://', 1)[0])}://…")
        # connect and read timeouts of the plugin's HTTP calls (apprise: 4 s each by default)
        self.plugin.socket_connect_timeout = timeout_s
        self.plugin.socket_read_timeout = timeout_s
        # apprise's privacy rendering hides tokens and passwords; the query holds only options
        self.name = mask_text(self.plugin.url(privacy=True).split("?", 1)[0])

    def send(self, record: dict[str, Any]) -> str:
        import apprise

        with apprise.LogCapture(level=logging.WARNING) as captured:
            ok = self.plugin.notify(body=message_text(record), title=subject(record))
        if not ok:
            lines = [line.strip() for line in captured.getvalue().splitlines() if line.strip()]
            raise RuntimeError(mask_text(lines[-1] if lines else "apprise reported a failed notification"))
        return f"apprise {self.plugin.service_name} sent"


@dataclass
class BlockChannel:
    block_name: str

    @property
    def name(self) -> str:
        return f"prefect-block:{self.block_name}"

    def send(self, record: dict[str, Any]) -> str:
        import prefect.blocks.notifications  # noqa: F401 (registers the notification block types)
        from prefect.blocks.core import Block

        block = Block.load(self.block_name)
        if not hasattr(block, "notify"):
            raise TypeError(f"Prefect block {self.block_name} is not a notification block")
        block.notify(body=message_text(record), subject=subject(record))
        return "prefect block notified"


class EventChannel:
    """A Prefect event for the record (none for a per-rule alert: the rule step sends one per
    failed rule whatever the alert threshold, so automations can choose their own)."""

    name = "prefect-event"

    @staticmethod
    def wants(record: dict[str, Any]) -> bool:
        from mmwatch.rules.events import event_for, events_enabled

        return event_for(record) is not None and events_enabled()

    def send(self, record: dict[str, Any]) -> str:
        from mmwatch.rules.events import emit, event_for

        event = event_for(record)
        if event is None:
            return "no event"
        if not emit(event):
            raise RuntimeError("Prefect did not take the event")
        return f"event {event['event']}"


class BrokenChannel:
    """A configured channel that cannot even be built (a malformed apprise URL): every send fails,
    so the record says why instead of the alert vanishing."""

    def __init__(self, name: str, error: str) -> None:
        self.name, self.error = name, error

    def send(self, record: dict[str, Any]) -> str:
        raise ValueError(self.error)


def apprise_channel(url: str, timeout_s: float) -> Channel:
    try:
        return AppriseChannel(url, timeout_s)
    except Exception as exc:  # noqa: BLE001 - a bad URL is recorded on each alert, not fatal
        return BrokenChannel(f"apprise:{mask_text(url.split('://', 1)[0])}", f"{type(exc).__name__}: {exc}")


def flow_alert_urls(urls: list[str] | None, secret_block: str | None) -> list[str] | None:
    """The apprise URLs a flow run was given: its ``alert_urls`` parameter, else the URLs kept in the
    Secret block its ``alert_urls_secret`` names, else None (the environment's ``MMWATCH_ALERT_URLS``)."""
    if urls:
        return urls
    return urls_from_secret(secret_block) if secret_block else None


def urls_from_secret(block_name: str) -> list[str]:
    """The apprise URLs kept in a Prefect Secret block (a list, or one string of URLs separated by
    commas or spaces): the tokens in them stay out of flow parameters and deployment files."""
    from prefect.blocks.system import Secret

    from mmwatch.config import Settings

    value = Secret.load(block_name).get()
    return Settings(alert_urls=value).alert_urls
