"""A stand-in for ``market_maker``: replay a recorded log into a log file, paced like the original.

Why: supervision (start, pull while it runs, alert, stop, restart) must be rehearsed and tested
without a Rust toolchain, an exchange account or real money. ``mmwatch replay`` behaves like the bot
where mmwatch can see it:

* it writes the recorded lines into ``--log-file`` byte for byte (the file is truncated first, as
  the bot's ``File::create`` does), one whole line per write, keeping the original timestamps; only
  the pacing follows their timing, scaled by ``speed`` (0 = as fast as possible);
* SIGINT or SIGTERM starts the graceful shutdown the December code writes (log_format.md §3.19),
  in the format of the replayed lines, with timestamps right after the last replayed one, then
  exit 0; a signal that arrives once the recording is in its own shutdown lets it finish;
* a recording holding ``KILL SWITCH TRIGGERED`` ends with exit 0, like the bot;
* otherwise the end of the recording (or ``max_lines``) exits with ``exit_code``: 101 prints a
  panic message on stderr, 1 prints ``Error: "..."`` (a start-up failure).

The stand-in holds no orders on any exchange, so its shutdown cancels 0 resting orders.
"""

from __future__ import annotations

import json
import re
import signal
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO, TextIO

from mmwatch.logline import Event, classify_line

BOT_TARGET = "hyperliquid_rust_sdk::market_maker"
_JSON_TS = re.compile(rb'^\{"timestamp":"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z)"')
_PRETTY_TS = re.compile(
    rb"^(?:\x1b\[[0-9;]*m)*(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z)(?:\x1b\[[0-9;]*m)* ")
_KILL = b"KILL SWITCH TRIGGERED"
# once the recording shows one of these the bot is shutting down: later signals are swallowed
_SHUTDOWN_MARKS = (b"Shutdown signal received", b"=== GRACEFUL SHUTDOWN INITIATED ===", _KILL)
_STOPPED = b"Market maker stopped."
_INTERESTING = (b"Quote inputs with microprice", b"Kill switch status", b"[Fill]")
_POSITION_IN_FILL = re.compile(r"position(?::| updated to) (-?[0-9.eE+-]+)")
_PRETTY_COLOURS = {"TRACE": "35", "DEBUG": "34", "INFO": "32", "WARN": "33", "ERROR": "31"}
SLEEP_SLICE = 0.05  # seconds; how quickly a signal is noticed while waiting for the next line

DEFAULT_MESSAGES = {
    101: "called `Option::unwrap()` on a `None` value (replayed panic)",
    1: "replayed start-up failure",
}


class ReplayError(ValueError):
    """A recording or target that cannot be used (one line, shown to the user)."""


@dataclass
class ReplayResult:
    lines: int
    bytes: int
    exit_code: int
    interrupted: bool
    kill_switch: bool


def parse_ts(text: str) -> datetime:
    """RFC 3339 UTC with up to microseconds, as the bot writes it."""
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def format_ts(ts: datetime) -> str:
    return ts.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def line_timestamp(raw: bytes) -> datetime | None:
    """The timestamp a JSON or pretty event line starts with; ``None`` for other lines."""
    m = _JSON_TS.match(raw) or _PRETTY_TS.match(raw)
    return parse_ts(m.group(1).decode()) if m else None


@dataclass
class _Knowledge:
    """What the recording told so far that the shutdown lines repeat (null when never seen)."""

    pretty: bool = False
    last_ts: datetime | None = None
    position: float | None = None
    mid: float | None = None
    daily_pnl: str | None = None
    drawdown: str | None = None
    cascade: str | None = None
    tracked_fills: int = 0

    def learn(self, raw: bytes, ts: datetime | None) -> None:
        if ts is None:
            return
        self.last_ts = ts
        self.pretty = not raw.startswith(b"{")
        if not any(key in raw for key in _INTERESTING):
            return
        event = classify_line(raw.rstrip(b"\r\n"), False, False)
        if not isinstance(event, Event):
            return
        fields: dict[str, Any] = json.loads(event.fields)
        message = str(fields.get("message", ""))
        if message == "Quote inputs with microprice":
            self.mid = _number(fields.get("mid"), self.mid)
            self.position = _number(fields.get("position"), self.position)
        elif message == "Kill switch status":
            self.daily_pnl = fields.get("daily_pnl", self.daily_pnl)
            self.drawdown = fields.get("drawdown", self.drawdown)
            self.cascade = fields.get("cascade_severity", self.cascade)
        elif message.startswith("[Fill]"):
            m = _POSITION_IN_FILL.search(message)
            if m:
                self.position = _number(m.group(1), self.position)
            if not message.startswith("[Fill] Untracked"):
                self.tracked_fills += 1


def _number(value: object, default: float | None) -> float | None:
    try:
        return float(str(value).lstrip("$")) if value is not None else default
    except ValueError:
        return default


def shutdown_lines(k: _Knowledge, now: datetime) -> list[bytes]:
    """The December graceful shutdown (§3.19) in the recording's format, stamped right after its last line."""
    events: list[tuple[str, dict[str, Any]]] = [
        ("Shutdown signal received", {}),
        ("=== GRACEFUL SHUTDOWN INITIATED ===", {}),
    ]
    final: dict[str, Any] = {}
    if k.position is not None:
        final["position"] = f"{k.position:.6f}"
    if k.mid is not None:
        final["mid_price"] = f"{k.mid:.2f}"
    if k.position is not None and k.mid is not None:
        final["position_value"] = f"${abs(k.position) * k.mid:.2f}"
    events.append(("Final position state", final))
    verdict: dict[str, Any] = {}
    if k.daily_pnl is not None:
        verdict["daily_pnl"] = k.daily_pnl
    if k.drawdown is not None:
        verdict["max_drawdown"] = k.drawdown
    events.append(("Kill switch was NOT triggered", verdict))
    events.append(("Adverse selection summary", {"fills_measured": k.tracked_fills}))
    cascade = {} if k.cascade is None else {"cascade_severity": k.cascade}
    events.append(("Liquidation cascade summary", cascade))
    events.append(("Cancelling 0 resting orders...", {}))
    events.append(("All orders cancelled successfully", {"cancelled": 0}))
    events.append(("=== GRACEFUL SHUTDOWN COMPLETE ===", {}))
    events.append(("Market maker stopped.", {}))
    start = k.last_ts if k.last_ts is not None else now
    out = []
    for i, (message, fields) in enumerate(events):
        ts = format_ts(start + timedelta(microseconds=300 * (i + 1)))
        out.append(_render(k, ts, message, fields))
    return out


def _render(k: _Knowledge, ts: str, message: str, fields: dict[str, Any]) -> bytes:
    if not k.pretty:
        obj = {"timestamp": ts, "level": "INFO", "fields": {"message": message, **fields},
               "target": BOT_TARGET}
        return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"
    text = f"\x1b[2m{ts}\x1b[0m \x1b[{_PRETTY_COLOURS['INFO']}m INFO\x1b[0m {message}"
    for key, value in fields.items():
        text += f" \x1b[3m{key}\x1b[0m\x1b[2m=\x1b[0m{value}"
    return text.encode() + b"\n"


class _Stop:
    """Set by SIGINT/SIGTERM: the operator asked the bot to stop."""

    def __init__(self) -> None:
        self.requested = False

    def __call__(self, signum: int, frame: object) -> None:
        self.requested = True


def _lines(fh: BinaryIO) -> Iterator[bytes]:
    yield from fh


def replay(source: Path, target: Path, speed: float = 1.0, exit_code: int = 0, max_lines: int | None = None,
           message: str | None = None, stderr: TextIO | None = None) -> ReplayResult:
    """Replay ``source`` into ``target``; return what was written and the exit code the bot would give."""
    if speed < 0:
        raise ReplayError(f"speed must be 0 (as fast as possible) or more, not {speed}")
    if not source.is_file():
        raise ReplayError(f"{source}: no such log file")
    stderr = stderr if stderr is not None else sys.stderr
    stop = _Stop()
    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    knowledge = _Knowledge()
    n_lines = n_bytes = 0
    kill_switch = shutting_down = stopped = False
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with source.open("rb") as src, target.open("wb") as out:
            start_wall = time.monotonic()
            first_ts: datetime | None = None
            for raw in _lines(src):
                if max_lines is not None and n_lines >= max_lines:
                    break
                ts = line_timestamp(raw)
                if ts is not None and speed > 0:
                    first_ts = first_ts or ts
                    due = start_wall + (ts - first_ts).total_seconds() / speed
                    if due - time.monotonic() > 0.002:
                        out.flush()
                        while not stop.requested and (left := due - time.monotonic()) > 0:
                            time.sleep(min(left, SLEEP_SLICE))
                if stop.requested and not shutting_down:
                    break
                out.write(raw)
                n_lines += 1
                n_bytes += len(raw)
                knowledge.learn(raw, ts)
                kill_switch = kill_switch or _KILL in raw
                shutting_down = shutting_down or any(mark in raw for mark in _SHUTDOWN_MARKS)
                stopped = stopped or _STOPPED in raw
            if stop.requested and not shutting_down and not stopped:
                for line in shutdown_lines(knowledge, datetime.now(UTC)):
                    out.write(line)
                    out.flush()
                    n_lines += 1
                    n_bytes += len(line)
                return ReplayResult(n_lines, n_bytes, 0, True, kill_switch)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if kill_switch or stop.requested:
        return ReplayResult(n_lines, n_bytes, 0, stop.requested, kill_switch)
    if exit_code == 101:
        text = message or DEFAULT_MESSAGES[101]
        print(f"thread 'main' panicked at src/bin/market_maker.rs:1:1:\n{text}\n"
              "note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace", file=stderr)
    elif exit_code != 0:
        text = message or DEFAULT_MESSAGES.get(exit_code, "replayed failure")
        print(f"Error: {json.dumps(text)}", file=stderr)
    stderr.flush()
    return ReplayResult(n_lines, n_bytes, exit_code, False, False)
