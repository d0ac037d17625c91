"""Classify one log line the bulk JSON path could not take: a JSON event with an odd shape, an ANSI
"pretty" event, console noise, or damage.

The bulk of a JSON log never comes here: DuckDB parses it (``mmwatch.ingest``). This module handles
the rest line by line and always answers, so that no line is dropped: either an event, or an
"other" line with a reason a person can read.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime

LEVELS = ("TRACE", "DEBUG", "INFO", "WARN", "ERROR")
TIMESTAMP_RE = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$"

_TIMESTAMP = re.compile(TIMESTAMP_RE)
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
# tracing-subscriber "Full" format once the colour codes are stripped (log_format.md §2).
_PRETTY = re.compile(
    r"^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z) +(TRACE|DEBUG|INFO|WARN|ERROR) (.*)$", re.S
)
_FIELD_START = " \x1b[3m"
_FIELD = re.compile(r"\x1b\[3m([A-Za-z0-9_.]+)\x1b\[0m\x1b\[2m=\x1b\[0m")
_CONSOLE_HINTS = (
    "Finished ", "Running ", "Compiling ", "Logging to file:", "Error:", "thread '", "note: run with",
    "warning:", "error:", "Usage:", "For more information", "===", "│", "┌", "└", "╔", "║", "╚",
)

# Why an "other" line was kept aside, as stored in other_lines.reason.
REASON_CONSOLE = "console"            # cargo output, banners, stderr text
REASON_CONTINUATION = "continuation"  # a multi-line value of the pretty format
REASON_MALFORMED = "malformed_json"   # starts like JSON, does not parse
REASON_TRUNCATED = "truncated"        # the file's last line, cut before its newline
REASON_NOT_EVENT = "json_not_event"   # valid JSON, but not a tracing event
REASON_INVALID_UTF8 = "invalid_utf8"
REASON_NUL = "nul_byte"
REASON_BLANK = "blank"                # only spaces or tabs: kept so that every non-empty line is counted
REASON_BAD_TIMESTAMP = "bad_timestamp"  # an event whose timestamp has the shape but is no real time
REASON_TOO_DEEP = "too_deep"          # JSON nested deeper than MAX_JSON_DEPTH
REASON_TOO_LONG = "too_long"          # longer than the longest line mmwatch loads (ingest.MAX_LINE_BYTES)

#: Deepest JSON nesting loaded. The bot's events nest 3-4 levels; Python's parser gives up near
#: 1,000 (``RecursionError``) while DuckDB's goes on, so a bound below both makes a line's fate the
#: same whichever path reads it.
MAX_JSON_DEPTH = 256
_BOM = "\ufeff"
_JSON_TOKEN = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{}]')


@dataclass(frozen=True, slots=True)
class Event:
    timestamp: str
    level: str
    target: str | None
    fields: str          # JSON object text, "message" included
    span: str | None
    spans: str | None
    format: str          # json | pretty


@dataclass(frozen=True, slots=True)
class Other:
    reason: str


def parse_pretty(text: str) -> Event | None:
    """One ANSI pretty line as an event, or ``None``. Field values lose their types in this format."""
    head, _, tail = text.partition(_FIELD_START)
    m = _PRETTY.match(_ANSI.sub("", head))
    if m is None:
        return None
    fields: dict[str, str] = {"message": m.group(3).strip()}
    if tail:
        parts = _FIELD.split("\x1b[3m" + tail)  # ["", key1, value1, key2, value2, ...]
        for key, value in zip(parts[1::2], parts[2::2], strict=False):
            fields[key] = _ANSI.sub("", value).strip()
    return Event(m.group(1), m.group(2), None, json.dumps(fields, ensure_ascii=False), None, None, "pretty")


def real_time(ts: str) -> bool:
    """Whether a timestamp of the right shape (``TIMESTAMP_RE``) names a real UTC instant.

    ``2026-02-30``, month 13, hour 24, second 60 (no leap seconds in the bot's clock) and year 0 do
    not; ``9999-12-31`` does. Such a line is kept as a ``bad_timestamp`` other line instead of
    failing the load (DuckDB's cast throws on the first ones and turns year 0 into 1 BC).
    """
    try:
        datetime.strptime(ts[:19], "%Y-%m-%dT%H:%M:%S")
    except ValueError:
        return False
    return True


def too_deep(raw: bytes, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether the JSON text ``raw`` nests deeper than ``limit`` (brackets inside strings ignored)."""
    if raw.count(b"[") + raw.count(b"{") <= limit:
        return False
    depth = 0
    for m in _JSON_TOKEN.finditer(raw):
        token = m.group()
        if token in (b"[", b"{"):
            depth += 1
            if depth > limit:
                return True
        elif token in (b"]", b"}"):
            depth -= 1
    return False


def _json_event(obj: object) -> Event | Other | None:
    if not isinstance(obj, dict):
        return None
    ts, level, fields = obj.get("timestamp"), obj.get("level"), obj.get("fields")
    if not (isinstance(ts, str) and _TIMESTAMP.match(ts) and level in LEVELS and isinstance(fields, dict)):
        return None
    if not real_time(ts):
        return Other(REASON_BAD_TIMESTAMP)
    target = obj.get("target")
    span, spans = obj.get("span"), obj.get("spans")
    # NaN and Infinity pass, as in DuckDB's JSON (the bulk path); a lone surrogate escape (\ud800)
    # cannot be stored as UTF-8: UnicodeEncodeError, a ValueError, makes the line malformed_json
    text = json.dumps(fields, ensure_ascii=False)
    text.encode("utf-8")
    return Event(
        ts, level, target if isinstance(target, str) else None, text,
        None if span is None else json.dumps(span), None if spans is None else json.dumps(spans), "json",
    )


def classify_line(raw: bytes, after_pretty: bool, unterminated: bool) -> Event | Other:
    """Classify one non-empty line. ``unterminated``: the file's last line, with no newline.

    Total: whatever the bytes, the answer is an event or a reason, never an exception.
    """
    if not raw.strip():
        return Other(REASON_BLANK)
    if b"\x00" in raw:
        return Other(REASON_NUL)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return Other(REASON_INVALID_UTF8)
    text = text.removeprefix(_BOM)  # a file saved by an editor that writes a BOM: the line is still JSON
    if text.lstrip().startswith("{"):
        if too_deep(raw):
            return Other(REASON_TOO_DEEP)
        try:
            obj = json.loads(text)
            return _json_event(obj) or Other(REASON_NOT_EVENT)
        except RecursionError:
            return Other(REASON_TOO_DEEP)
        except ValueError:  # UnicodeEncodeError included
            return Other(REASON_TRUNCATED if unterminated else REASON_MALFORMED)
    event = parse_pretty(text)
    if event is not None:
        return event if real_time(event.timestamp) else Other(REASON_BAD_TIMESTAMP)
    if unterminated and "\x1b[" in text:
        return Other(REASON_TRUNCATED)
    if after_pretty and not _ANSI.sub("", text).strip().startswith(_CONSOLE_HINTS):
        return Other(REASON_CONTINUATION)
    return Other(REASON_CONSOLE)
