"""The bad-input corpus of the hardening red team, generated (never committed as big files).

Each ``LINE_CASES`` entry is a function named after its case that returns one bad line (bytes, no
newline) built on the bot's real JSON envelope (``tests.botlog``-style keys, a template of the
January sample), and the reason mmwatch must store it under (``None``: the line is a real event
and must load as one). ``embed`` puts a line between real sample lines. ``FILE_CASES`` are whole
files: ``write_<case>(path)`` makes the file (or FIFO, socket) and returns what the command must
answer.
"""

from __future__ import annotations

import gzip
import json
import os
import socket
from collections.abc import Callable
from pathlib import Path

from tests.conftest import ROOT

SAMPLE = ROOT / "samples" / "mm_mainnet_BTC_2026-01-13_15-13-53.log"
MB = 1024 * 1024


def sample_lines(n: int = 600) -> list[bytes]:
    """The first ``n`` lines of the January sample (real templates, all events)."""
    with SAMPLE.open("rb") as fh:
        return [fh.readline().rstrip(b"\n") for _ in range(n)]


#: The bot's own line each case damages: WARN `Reducing ladder levels due to tight exchange limits`
#: (src/market_maker/strategy/ladder_strat.rs@72976cd, span quote_cycle), as the January sample holds it.
BASE_MESSAGE = "Reducing ladder levels due to tight exchange limits"
BASE_TARGET = "hyperliquid_rust_sdk::market_maker::strategy::ladder_strat"


def _sample_event(message: str) -> dict:
    """The first line of the January sample whose message is ``message``, parsed."""
    needle = json.dumps(message)[1:-1].encode()
    with SAMPLE.open("rb") as fh:
        line = next(raw for raw in fh if b'"message":"' + needle + b'"' in raw)
    return json.loads(line)


def _event(timestamp: str = "2026-01-13T22:14:30.000001Z", level: str | None = None, *,
           base: str = BASE_MESSAGE, mark: bool = False, **fields: object) -> dict:
    """The base line with its timestamp (and level) replaced and ``fields`` added; ``mark`` appends
    ` MARK` to the message, where a case puts its bad bytes."""
    obj = _sample_event(base)
    obj["timestamp"] = timestamp
    if level:
        obj["level"] = level
    obj["fields"].update(fields)
    if mark:
        obj["fields"]["message"] += " MARK"
    return obj


def _line(obj: dict) -> bytes:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()


# --- one bad line each: (line, reason it must be stored under, or None for an event) ---

def ts_feb_30() -> bytes:
    return _line(_event("2026-02-30T10:00:00.000000Z"))


def ts_leap_second() -> bytes:
    return _line(_event("2026-01-13T23:59:60.000000Z"))


def ts_month_13() -> bytes:
    return _line(_event("2026-13-01T10:00:00.000000Z"))


def ts_year_0() -> bytes:
    return _line(_event("0000-01-01T00:00:00.000000Z"))


def ts_hour_24() -> bytes:
    return _line(_event("2026-01-13T24:00:00.000000Z"))


def ts_year_9999() -> bytes:
    """A real time, however odd: it loads (the figures' handling of outliers is another part)."""
    return _line(_event("9999-12-31T23:59:59.999999Z"))


def nested_10000() -> bytes:
    """An event whose field nests 10,000 levels (Python's parser: RecursionError)."""
    return _line(_event()).replace(b'"configured":25', b'"configured":' + b"[" * 10_000 + b"]" * 10_000)


def line_50mb() -> bytes:
    # the December code's DEBUG `Prometheus metrics snapshot` carries all of /metrics in one field
    obj = {"timestamp": "2026-01-13T22:14:30.000001Z", "level": "DEBUG",
           "fields": {"message": "Prometheus metrics snapshot", "prometheus_output": "x" * (50 * MB)},
           "target": "hyperliquid_rust_sdk::market_maker"}
    return _line(obj)


def invalid_utf8_in_message() -> bytes:
    return _line(_event(mark=True)).replace(b"MARK", b"\xff\xfe\xc3")


def invalid_utf8_in_target() -> bytes:
    damaged = BASE_TARGET.encode().replace(b"market_maker", b"market_\xffmaker")
    return _line(_event()).replace(BASE_TARGET.encode(), damaged)


def nul_in_event() -> bytes:
    return _line(_event(mark=True)).replace(b"MARK", b"\x00")


def nul_only() -> bytes:
    return b"\x00" * 4096


def whitespace_only() -> bytes:
    return b"    "


def tabs_and_vt() -> bytes:
    return b"\t \x0b\x0c\t"


def lone_surrogate() -> bytes:
    return _line(_event(mark=True)).replace(b"MARK", b"\\ud800")


def two_objects_one_line() -> bytes:
    """A torn write followed by the next run's first line, with no newline between them."""
    first = _line(_event())
    second = _line(_event("2026-01-13T22:14:30.000002Z", base="Starting market maker"))
    return first[: len(first) // 2] + second


def fields_not_object() -> bytes:
    obj = _event()
    obj["fields"] = BASE_MESSAGE
    return _line(obj)


LINE_CASES: dict[str, tuple[Callable[[], bytes], str | None]] = {
    "ts_feb_30": (ts_feb_30, "bad_timestamp"),
    "ts_leap_second": (ts_leap_second, "bad_timestamp"),
    "ts_month_13": (ts_month_13, "bad_timestamp"),
    "ts_year_0": (ts_year_0, "bad_timestamp"),
    "ts_hour_24": (ts_hour_24, "bad_timestamp"),
    "ts_year_9999": (ts_year_9999, None),
    "nested_10000": (nested_10000, "too_deep"),
    "line_50mb": (line_50mb, "too_long"),
    "invalid_utf8_in_message": (invalid_utf8_in_message, "invalid_utf8"),
    "invalid_utf8_in_target": (invalid_utf8_in_target, "invalid_utf8"),
    "nul_in_event": (nul_in_event, "nul_byte"),
    "nul_only": (nul_only, "nul_byte"),
    "whitespace_only": (whitespace_only, "blank"),
    "tabs_and_vt": (tabs_and_vt, "blank"),
    "lone_surrogate": (lone_surrogate, "malformed_json"),
    "two_objects_one_line": (two_objects_one_line, "malformed_json"),
    "fields_not_object": (fields_not_object, "json_not_event"),
}


def embed(bad: list[bytes], good: list[bytes] | None = None) -> bytes:
    """Real sample lines with the bad lines spread among them; ends with a newline."""
    good = sample_lines() if good is None else good
    out: list[bytes] = []
    step = max(1, len(good) // (len(bad) + 1))
    for i, line in enumerate(good):
        out.append(line)
        if i % step == step - 1 and (i // step) < len(bad):
            out.append(bad[i // step])
    return b"\n".join(out) + b"\n"


def non_empty_lines(data: bytes) -> int:
    """Lines with at least one byte besides the line ending (what the store must account for)."""
    return sum(1 for line in data.split(b"\n") if line.rstrip(b"\r"))


# --- whole files: write_<case>(path) -> (exit code of `mmwatch audit`, text its stderr line holds) ---

def write_fifo(path: Path) -> tuple[int, str]:
    os.mkfifo(path)
    return 2, "is a FIFO"


def write_dev_zero(path: Path) -> tuple[int, str]:
    path.symlink_to("/dev/zero")
    return 2, "is a character device"


def write_socket(path: Path) -> tuple[int, str]:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.bind(str(path))  # the socket file stays after close
    sock.close()
    return 2, "is a socket"


def write_gzip(path: Path) -> tuple[int, str]:
    path.write_bytes(gzip.compress(b"\n".join(sample_lines(200)) + b"\n"))
    return 2, "gzip-compressed; decompress it first"


def write_zeros_no_newline(path: Path, size: int = 1024 * MB) -> tuple[int, str]:
    """1 GB of zeros and no newline, as a sparse file (no disk used): one too_long line."""
    with path.open("wb") as fh:
        fh.truncate(size)
    return 2, "no bot log events found (1 other lines kept"


def write_bom_start(path: Path) -> tuple[int, str]:
    """A UTF-8 BOM before the first event (an editor's save): the first line is still an event."""
    path.write_bytes(b"\xef\xbb\xbf" + b"\n".join(sample_lines(200)) + b"\n")
    return 0, ""


FILE_CASES: dict[str, Callable[..., tuple[int, str]]] = {
    "fifo": write_fifo,
    "dev_zero": write_dev_zero,
    "socket": write_socket,
    "gzip": write_gzip,
    "zeros_no_newline": write_zeros_no_newline,
    "bom_start": write_bom_start,
}
