"""Watch one run's log while the bot writes it: pull the new lines, evaluate the live rules.

Each check pulls the bytes written since the last one (``mmwatch.ingest.pull_file``, an unfinished
last line held back) and runs ``sql/live/conditions.sql`` over the lines loaded since the previous
check only, so a check costs what the bot wrote in one interval. Each condition alerts once per run.
The DuckDB file is opened for one check and closed again, so other commands can use it in between.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mmwatch.catalogue import load_catalogue
from mmwatch.config import Settings
from mmwatch.ingest import LOCK_WAIT_S, connect_waiting, pull_file
from mmwatch.store import read_sql
from mmwatch.supervisor.alerts import LiveAlert, deliver

AlertHook = Callable[[dict[str, Any]], None]


class LiveWatch:
    """The live state of one run: what was loaded, evaluated and alerted already."""

    def __init__(self, settings: Settings, log_file: Path, supervise_id: str, run_no: int,
                 on_alert: AlertHook | None = None) -> None:
        self.settings = settings
        self.log_file = log_file
        self.supervise_id = supervise_id
        self.run_no = run_no
        self.on_alert = on_alert
        self.source_id: str | None = None
        self.evaluated_offset = 0
        self.alerted: set[str] = set()
        self.alerts: list[dict[str, Any]] = []
        self.kill_switch = False
        self.size = 0
        self.last_growth = time.monotonic()

    def _size(self) -> int:
        try:
            return self.log_file.stat().st_size
        except OSError:
            return 0

    def check(self, final: bool = False) -> list[dict[str, Any]]:
        """Pull the new lines and alert on the conditions they show; return the alerts raised now."""
        size = self._size()
        if size != self.size:
            self.size, self.last_growth = size, time.monotonic()
        if size == 0:
            return []
        raised: list[dict[str, Any]] = []
        con = connect_waiting(self.settings.db_path, wait_s=min(self.settings.pull_every_s, LOCK_WAIT_S))
        try:
            result = pull_file(con, self.log_file, final=final, block_bytes=self.settings.read_block_bytes)
            if result.source_id != self.source_id:  # first pull, or the bot recreated its file
                self.source_id, self.evaluated_offset = result.source_id, 0
            if result.committed_offset > self.evaluated_offset:
                load_catalogue(con)
                rows = con.execute(read_sql("live/conditions.sql"), {
                    "source_id": self.source_id, "since": self.evaluated_offset,
                    "burst_count": self.settings.live_error_burst,
                    "burst_window_s": self.settings.live_error_window_s,
                    "headroom_pct": self.settings.live_headroom_pct,
                }).fetchall()
                self.evaluated_offset = result.committed_offset
                for rule_id, severity, title, hits, line_no, ts, text, evidence in rows:
                    self.kill_switch = self.kill_switch or rule_id == "KILL-SWITCH"
                    if rule_id in self.alerted:
                        continue
                    summary = f"{hits} line(s) since the last check, first at line {line_no} ({ts}): {text}"
                    alert = LiveAlert(self.supervise_id, self.run_no, rule_id, severity, title,
                                      summary[:1000], str(self.log_file), self.source_id,
                                      [dict(e) for e in evidence])
                    raised.append(self._raise(alert, con))
        finally:
            con.close()
        return raised

    def heartbeat(self, alive: bool) -> dict[str, Any] | None:
        """Alert once when the bot lives but its log has not grown for ``stale_after_s`` seconds."""
        size = self._size()
        if size != self.size:
            self.size, self.last_growth = size, time.monotonic()
            return None
        quiet = time.monotonic() - self.last_growth
        if not alive or quiet < self.settings.stale_after_s or "LOG-STALE" in self.alerted:
            return None
        alert = LiveAlert(self.supervise_id, self.run_no, "LOG-STALE", "high", "Bot log went quiet",
                          f"no new log bytes for {quiet:.0f} s while the bot process is alive "
                          f"(log size {size} bytes)", str(self.log_file), self.source_id)
        return self._raise(alert)

    def raise_alert(self, alert: LiveAlert) -> dict[str, Any] | None:
        """Raise an alert about this run (end-of-run alerts), unless that rule alerted already."""
        if alert.rule_id in self.alerted:
            return None
        return self._raise(alert)

    def _raise(self, alert: LiveAlert, con: Any = None) -> dict[str, Any]:
        self.alerted.add(alert.rule_id)
        record = deliver(alert, self.settings.out_dir, self.settings.db_path, self.settings, con)
        self.alerts.append(record)
        if self.on_alert is not None:
            self.on_alert(record)
        return record
