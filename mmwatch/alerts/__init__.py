"""Alerts: one digest per audited session, per-rule alerts at or above a threshold, live alerts.

* ``digest``: the session digest (a pure function of report.json), also used by ``audit --json``;
* ``records``: the one record shape every alert has (keyed ``rule_id``), its text and webhook body;
* ``channels``: webhook, apprise URLs, Prefect notification block, Prefect event;
* ``delivery``: the one outbound path (masking, retries, backoff, timeouts, file, table);
* ``session``: the alerts of one audited session (digest + per-rule), deduplicated across re-audits.

Live alerts (``mmwatch.supervisor.alerts``) use the same records and delivery.
"""

from __future__ import annotations

from mmwatch.alerts.delivery import (
    NO_CHANNEL,
    Delivery,
    already_delivered,
    channels_for,
    deliver,
    delivery_line,
    delivery_state,
    record_alert,
    with_retries,
    write_record,
)
from mmwatch.alerts.digest import DIGEST_RULE, session_digest
from mmwatch.alerts.records import alert_record, alert_records, message_text, rule_records, webhook_body
from mmwatch.alerts.session import raise_session_alerts

__all__ = [
    "DIGEST_RULE", "NO_CHANNEL", "Delivery", "alert_record", "alert_records", "already_delivered",
    "channels_for", "deliver", "delivery_line", "delivery_state", "message_text", "raise_session_alerts",
    "record_alert", "rule_records", "session_digest", "webhook_body", "with_retries", "write_record",
]
