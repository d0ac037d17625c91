"""Load a log file into DuckDB incrementally: only new bytes, each line exactly once.

How it stays exact:

* A file is known by a fingerprint of its first bytes, not by path or inode, so a file renamed by
  rotation is followed, and a file truncated or replaced at the same path (the bot restarted) is a
  new source. Two more checks keep that exact: the last bytes loaded must still be where they were
  (a file rewritten with the same first bytes and grown past the old offset is new), and a copy of
  a known file at another path, while the original is still there, is a new source, not a rename.
* Lines are loaded in blocks; the rows of a few blocks (``COMMIT_BLOCKS``) and the new committed
  offset are written in one DuckDB transaction. A crash anywhere leaves the store at a block
  boundary: nothing lost, nothing twice.
* A last line without its newline is held back until the newline arrives, unless the caller says
  the file is final (a finished session), in which case it is kept as a ``truncated`` other line.
  An audit may show a held-back line without committing it (``show_unfinished_line``): the row
  sits past the committed offset and the next load replaces it, so a log still being written
  loses nothing.

The JSON lines go through DuckDB's own ``read_json`` in bulk; everything else (pretty text, console
noise, damaged lines) goes through ``mmwatch.logline`` one line at a time.

One bad line never costs a file: a line the bulk path cannot take exactly (NUL bytes, invalid
UTF-8, JSON nested deeper than ``logline.MAX_JSON_DEPTH``, a timestamp of the right shape that is
no real time) goes to the line-by-line path, which always answers with an event or a reason. A line
longer than ``MAX_LINE_BYTES`` is a ``too_long`` other line whose first ``RAW_CAP_BYTES`` are kept;
it is skipped, not buffered, so memory stays bounded whatever the input (a 1 GB file of zeros with
no newline is one such line).
"""

from __future__ import annotations

import glob
import hashlib
import io
import os
import stat
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from mmwatch.logline import (
    LEVELS,
    MAX_JSON_DEPTH,
    REASON_BLANK,
    REASON_TOO_LONG,
    TIMESTAMP_RE,
    Event,
    Other,
    classify_line,
    too_deep,
)
from mmwatch.store import read_sql

FINGERPRINT_BYTES = 1024
#: Blocks loaded per transaction (with 16 MiB blocks: a commit every 128 MiB).
COMMIT_BLOCKS = 8
TAIL_BYTES = 64  # checksum of the last bytes loaded: a rewritten file is caught even with the same head
LOCK_WAIT_S = 15.0  # how long a pull waits for another process's lock on the DuckDB file
#: How long an audit waits for the store lock: another audit holds it for its whole run (seconds
#: for a session, a minute or two for a 1 GB log), a pull or a live check for moments.
AUDIT_LOCK_WAIT_S = 180.0
RESUME_WINDOW = 1024 * 1024  # how far back the last loaded line is looked for (pretty continuations)
#: The longest line loaded. The bot's longest lines (Prometheus snapshots at DEBUG) are ~1 MB; a
#: longer one is kept as a ``too_long`` other line (its first RAW_CAP_BYTES), which bounds memory.
MAX_LINE_BYTES = 8 * 1024 * 1024
MAX_BULK_LINE = MAX_LINE_BYTES
RAW_CAP_BYTES = 64 * 1024  # bytes of a too_long line kept in other_lines.raw (byte_len has its length)
#: First bytes of compressed files, which hold no log line until decompressed.
_COMPRESSED = ((b"\x1f\x8b", "gzip"), (b"\x28\xb5\x2f\xfd", "zstd"), (b"\xfd7zXZ\x00", "xz"),
               (b"BZh", "bzip2"), (b"PK\x03\x04", "zip"))
_DAYS_IN_MONTH = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)
_JSON_COLUMNS = {
    "timestamp": "VARCHAR", "level": "VARCHAR", "fields": "JSON", "target": "VARCHAR",
    "span": "JSON", "spans": "JSON",
}
_EVENT_SCHEMA = pa.schema([
    ("timestamp", pa.string()), ("level", pa.string()), ("fields", pa.string()), ("target", pa.string()),
    ("span", pa.string()), ("spans", pa.string()), ("byte_offset", pa.int64()), ("line_no", pa.int64()),
    ("format", pa.string()),
])
_OTHER_SCHEMA = pa.schema([
    ("byte_offset", pa.int64()), ("line_no", pa.int64()), ("reason", pa.string()), ("byte_len", pa.int64()),
    ("preview", pa.string()), ("raw", pa.binary()),
])


class InputError(ValueError):
    """A log path that cannot be read: missing, a directory, no permission."""


@dataclass(frozen=True)
class PullResult:
    source_id: str
    path: str
    new_source: bool
    bytes_read: int
    events: int
    other: int
    committed_offset: int
    size: int
    held_back: int  # bytes of an unfinished last line left for the next pull


@dataclass
class _Source:
    source_id: str
    fingerprint: str
    fp_len: int
    committed_offset: int
    committed_lines: int
    is_new: bool
    tail: bytes  # the last bytes loaded (up to TAIL_BYTES), checked on the next pull


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _not_regular(mode: int) -> str | None:
    """What a path is when it is no regular file (reading a FIFO or /dev/zero would never end)."""
    for test, what in ((stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return what
    return None if stat.S_ISREG(mode) else "not a regular file"


def _compression(head: bytes) -> str | None:
    for magic, name in _COMPRESSED:
        if head.startswith(magic) and (name != "bzip2" or (head[3:4].isdigit() and head[4:10] == b"1AY&SY")):
            return name
    return None


def check_readable(path: Path) -> int:
    """The file's size; ``InputError`` with a one-line reason when it cannot be read.

    Refused before any byte is read: a FIFO, a device or a socket (``/dev/zero`` or a pipe would
    hang the reader or never end), and a compressed file (named: decompress it first).
    """
    try:
        st = path.stat()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from None
    if stat.S_ISDIR(st.st_mode):
        raise InputError(f"{path}: is a directory, not a log file")
    what = _not_regular(st.st_mode)
    if what is not None:
        raise InputError(f"{path}: is {what}, not a log file; mmwatch reads regular files only")
    if not os.access(path, os.R_OK):
        raise InputError(f"{path}: permission denied")
    try:
        with _open_regular(path) as fh:
            kind = _compression(fh.read(16))
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from None
    if kind is not None:
        raise InputError(f"{path}: {kind}-compressed; decompress it first")
    return st.st_size


def _open_regular(path: Path) -> BinaryIO:
    """Open ``path`` for reading without blocking, and only if it is a regular file.

    ``O_NONBLOCK`` keeps the open of a FIFO swapped in after ``check_readable`` from waiting for a
    writer; the ``fstat`` of the open descriptor then refuses it.
    """
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        what = _not_regular(os.fstat(fd).st_mode)
        if what is not None:
            raise InputError(f"{path}: is {what}, not a log file; mmwatch reads regular files only")
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def _read_at(fh: BinaryIO, start: int, length: int) -> bytes:
    fh.seek(start)
    return fh.read(length)


def _still_holds(known_path: str, path: str, fingerprint: str, fp_len: int) -> bool:
    """Whether ``known_path`` is another file that still starts with the fingerprinted bytes.

    Then a file at ``path`` with the same first bytes is a copy (a second run of the same content),
    not the old file renamed by rotation.
    """
    try:
        if os.path.samefile(known_path, path):
            return False
        with open(known_path, "rb") as other:
            return _sha256(other.read(fp_len)) == fingerprint
    except OSError:
        return False


def _new_source_id(con: duckdb.DuckDBPyConnection, fingerprint: str, fp_len: int, path: str) -> str:
    """Derived from the content; salted with the path and time only when that id is taken already."""
    source_id = "src-" + _sha256(f"{fingerprint}:{fp_len}".encode())[:16]
    while con.execute("select 1 from sources where source_id = ?", [source_id]).fetchall():
        salt = f"{fingerprint}:{fp_len}:{path}:{datetime.now(UTC).isoformat()}:{source_id}"
        source_id = "src-" + _sha256(salt.encode())[:16]
    return source_id


def _identify(con: duckdb.DuckDBPyConnection, fh: BinaryIO, path: str, head: bytes, size: int) -> _Source:
    """Find the source this file continues, or make a new one."""
    rows = con.execute(
        "select source_id, path, fingerprint, fp_len, committed_offset, committed_lines, tail_sha "
        "from sources order by (path = ?) desc, last_pull desc",
        [path],
    ).fetchall()
    for source_id, known_path, fingerprint, fp_len, offset, lines, tail_sha in rows:
        if fp_len > len(head) or offset > size or _sha256(head[:fp_len]) != fingerprint:
            continue
        tail = _read_at(fh, max(0, offset - TAIL_BYTES), min(offset, TAIL_BYTES))
        if tail_sha is not None and offset > 0 and _sha256(tail) != tail_sha:
            continue  # same first bytes, different content where we stopped: rewritten
        if known_path != path and _still_holds(known_path, path, fingerprint, fp_len):
            continue  # a copy next to its original
        return _Source(source_id, fingerprint, fp_len, offset, lines, is_new=False, tail=tail)
    fingerprint = _sha256(head)
    source_id = _new_source_id(con, fingerprint, len(head), path)
    return _Source(source_id, fingerprint, len(head), 0, 0, is_new=True, tail=b"")


def _after_pretty(con: duckdb.DuckDBPyConnection, source_id: str, offset: int) -> bool:
    """Whether the last line loaded was a pretty event or its continuation (a continuation may follow).

    Looks only at rows near the end (``byte_offset`` lower bound) so the cost does not grow with the file.
    """
    rows = con.execute(
        "select pretty from ("
        " select byte_offset, format = 'pretty' as pretty from events"
        " where source_id = ? and byte_offset >= ? and byte_offset < ?"
        " union all"
        " select byte_offset, reason = 'continuation' from other_lines"
        " where source_id = ? and byte_offset >= ? and byte_offset < ? and reason <> 'blank'"
        ") order by byte_offset desc limit 1",
        [source_id, offset - RESUME_WINDOW, offset, source_id, offset - RESUME_WINDOW, offset],
    ).fetchall()
    return bool(rows and rows[0][0])


def _line_bounds(arr: np.ndarray, unterminated: bool) -> tuple[np.ndarray, np.ndarray]:
    """Start and end (exclusive, without newline or CR) of each line in a block."""
    nl = np.flatnonzero(arr == 10)
    if unterminated:
        ends = np.append(nl, len(arr))
        starts = np.concatenate(([0], nl + 1))
    else:
        ends = nl
        starts = np.concatenate(([0], nl[:-1] + 1)) if len(nl) else np.empty(0, dtype=np.int64)
    starts = starts.astype(np.int64)
    ends = ends.astype(np.int64).copy()
    has_cr = (ends > starts) & (arr[np.maximum(ends - 1, 0)] == 13)
    ends[has_cr] -= 1
    return starts, ends


def _bulk_json(con: duckdb.DuckDBPyConnection, data: bytes | bytearray, n_expected: int) -> pa.Table | None:
    """Parse JSON lines with DuckDB; ``None`` when the row count does not match the lines given
    (or DuckDB refuses the block): the caller then reads these lines one by one."""
    try:
        rel = con.read_json(
            io.BytesIO(data), format="newline_delimited", ignore_errors=True, columns=_JSON_COLUMNS,
            maximum_object_size=2 * MAX_BULK_LINE,
        )
        table = rel.to_arrow_table()
    except duckdb.Error:
        return None
    if table.num_rows != n_expected:
        return None
    return pa.table({name: table.column(name).cast(pa.string()) for name in _JSON_COLUMNS})


def _is_event(table: pa.Table) -> np.ndarray:
    """Rows that are events with a real timestamp (``logline.real_time``, vectorised)."""
    level_ok = pc.is_in(table["level"], value_set=pa.array(LEVELS))
    ts_ok = pc.match_substring_regex(table["timestamp"], TIMESTAMP_RE)
    fields_ok = pc.starts_with(table["fields"], "{")
    ok = pc.fill_null(pc.and_(pc.and_(level_ok, ts_ok), fields_ok), False).to_numpy(zero_copy_only=False)
    if ok.any():
        ok[ok] = _real_times(table["timestamp"].filter(pa.array(ok)))
    return ok


def _real_times(ts: pa.ChunkedArray) -> np.ndarray:
    """Which timestamps of the right shape name a real instant (same verdict as ``logline.real_time``)."""
    def part(start: int, end: int) -> np.ndarray:
        return pc.cast(pc.utf8_slice_codeunits(ts, start, end), pa.int64()).to_numpy()

    year, month, day = part(0, 4), part(5, 7), part(8, 10)
    hour, minute, second = part(11, 13), part(14, 16), part(17, 19)
    month_ok = (month >= 1) & (month <= 12)
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    days = _DAYS_IN_MONTH[np.clip(month, 1, 12) - 1] + ((month == 2) & leap)
    return ((year >= 1) & month_ok & (day >= 1) & (day <= days)
            & (hour <= 23) & (minute <= 59) & (second <= 59))


def _other_row(i: int, raw: bytes | bytearray | memoryview, reason: str,
               byte_len: int | None = None) -> tuple[int, int, str, bytes]:
    """An other-line row; a too_long line keeps only its first RAW_CAP_BYTES (``byte_len`` keeps its size)."""
    n = len(raw) if byte_len is None else byte_len
    return (i, n, reason, bytes(raw[:RAW_CAP_BYTES]) if reason == REASON_TOO_LONG else bytes(raw))


class _Block:
    """Turns one block of complete lines into event and other-line batches."""

    def __init__(self, con: duckdb.DuckDBPyConnection, buf: bytes, base_offset: int, base_line: int,
                 unterminated: bool, after_pretty: bool) -> None:
        self.buf = buf
        arr = np.frombuffer(buf, dtype=np.uint8)
        starts, ends = _line_bounds(arr, unterminated)
        lengths = ends - starts
        nonempty = lengths > 0
        first = np.zeros(len(starts), dtype=np.uint8)
        last = np.zeros(len(starts), dtype=np.uint8)
        first[nonempty] = arr[starts[nonempty]]
        last[nonempty] = arr[ends[nonempty] - 1]
        too_long = lengths > MAX_LINE_BYTES
        bulk = nonempty & (first == ord("{")) & (last == ord("}")) & ~too_long
        if unterminated and len(bulk):
            bulk[-1] = False
        if bulk.any():
            bulk &= ~_too_deep_lines(buf, arr, starts, ends)
        self.n_lines = len(starts)
        self.starts, self.ends = starts, ends
        self.offsets = base_offset + starts
        self.line_nos = base_line + 1 + np.arange(len(starts), dtype=np.int64)
        self.event_tables: list[pa.Table] = []
        self.other_rows: list[tuple[int, int, str, bytes]] = []
        self.after_pretty = after_pretty

        for i in np.flatnonzero(too_long).tolist():
            self.other_rows.append(_other_row(i, memoryview(buf)[starts[i]:starts[i] + RAW_CAP_BYTES],
                                              REASON_TOO_LONG, int(lengths[i])))
        slow = ~bulk & nonempty & ~too_long
        if bulk.any():
            slow |= self._take_bulk(con, bulk, arr)
        self._take_slow(np.flatnonzero(slow), unterminated)

    def _take_bulk(self, con: duckdb.DuckDBPyConnection, bulk: np.ndarray, arr: np.ndarray) -> np.ndarray:
        """Parse the bulk lines; return the mask of lines that still need the slow path.

        DuckDB skips blank lines, so the few other lines are blanked out in a copy of the block
        instead of joining the bulk lines one by one (a Python loop over every line): the rows
        still come back one per bulk line, in line order.
        """
        idx = np.flatnonzero(bulk)
        others = np.flatnonzero(~bulk & (self.ends > self.starts))
        data: bytes | bytearray = self.buf
        if others.size:
            data = bytearray(self.buf)
            for s, e in zip(self.starts[others].tolist(), self.ends[others].tolist(), strict=True):
                data[s:e] = b" " * (e - s)
        table = _bulk_json(con, data, len(idx))
        retry = np.zeros(self.n_lines, dtype=bool)
        if table is None:
            retry[idx] = True
            return retry
        ok = _is_event(table)
        good = idx[ok]
        table = table.filter(pa.array(ok))
        table = table.append_column("byte_offset", pa.array(self.offsets[good]))
        table = table.append_column("line_no", pa.array(self.line_nos[good]))
        table = table.append_column("format", pa.array(["json"] * len(good), pa.string()))
        self.event_tables.append(table)
        retry[idx[~ok]] = True
        return retry

    def _take_slow(self, idx: np.ndarray, unterminated: bool) -> None:
        events: list[tuple] = []
        prev_index = -2
        pretty_prev = self.after_pretty
        for i in idx.tolist():
            raw = self.buf[self.starts[i]:self.ends[i]]
            if i != prev_index + 1 and i != 0:
                pretty_prev = False  # a bulk JSON line sat in between
            result = classify_line(raw, pretty_prev, unterminated and i == self.n_lines - 1)
            if isinstance(result, Event):
                events.append((result.timestamp, result.level, result.fields, result.target, result.span,
                               result.spans, int(self.offsets[i]), int(self.line_nos[i]), result.format))
                pretty_prev = result.format == "pretty"
            else:
                assert isinstance(result, Other)
                self.other_rows.append(_other_row(i, raw, result.reason))
                if result.reason != REASON_BLANK:  # a blank line inside a pretty value keeps it open
                    pretty_prev = pretty_prev and result.reason == "continuation"
            prev_index = i
        if idx.size:
            self.after_pretty = pretty_prev
        if events:
            self.event_tables.append(pa.Table.from_pylist(
                [dict(zip(_EVENT_SCHEMA.names, row, strict=True)) for row in events], schema=_EVENT_SCHEMA))

    def event_batch(self) -> pa.Table:
        tables = [t.select(_EVENT_SCHEMA.names).cast(_EVENT_SCHEMA) for t in self.event_tables]
        return pa.concat_tables(tables) if tables else _EVENT_SCHEMA.empty_table()

    def other_batch(self) -> pa.Table:
        rows = sorted(self.other_rows)
        return pa.table({
            "byte_offset": pa.array([int(self.offsets[i]) for i, *_ in rows], pa.int64()),
            "line_no": pa.array([int(self.line_nos[i]) for i, *_ in rows], pa.int64()),
            "reason": pa.array([r for _, _, r, _ in rows], pa.string()),
            "byte_len": pa.array([n for _, n, _, _ in rows], pa.int64()),
            "preview": pa.array([_preview(raw) for *_, raw in rows], pa.string()),
            "raw": pa.array([raw for *_, raw in rows], pa.binary()),
        }, schema=_OTHER_SCHEMA)


def _preview(raw: bytes) -> str:
    """The first 500 characters of a line, invalid bytes replaced, NUL shown as U+2400 (␀)."""
    return raw[:2000].decode("utf-8", "replace")[:500].replace("\x00", "\u2400")


def _too_deep_lines(buf: bytes, arr: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Lines nested deeper than ``MAX_JSON_DEPTH``, which DuckDB would parse but Python could not.

    Only a line with more opening brackets than the limit can be that deep; they are counted per
    line in one vectorised pass (``[`` and ``{`` are the two bytes with ``b | 0x20 == 0x7B``), and
    only such lines are scanned exactly. A NUL byte or invalid UTF-8 needs no test here: DuckDB
    then returns the whole row as nulls, which is no event, so the line goes to the line path.
    """
    deep = np.zeros(len(starts), dtype=bool)
    step = 1 << 20  # 1 MiB slices: the temporaries are reused memory, not fresh pages for each block
    opens = np.concatenate([np.flatnonzero((arr[i:i + step] | 0x20) == 0x7B) + i
                            for i in range(0, len(arr), step)] or [np.empty(0, dtype=np.int64)])
    if opens.size > MAX_JSON_DEPTH:
        per_line = np.bincount(np.searchsorted(starts, opens, side="right") - 1, minlength=len(starts))
        for i in np.flatnonzero(per_line > MAX_JSON_DEPTH).tolist():
            deep[i] = too_deep(buf[starts[i]:ends[i]])
    return deep


class _Writer:
    """Writes batches of rows and the source's new committed offset, a few blocks per transaction.

    Several blocks share one transaction (up to COMMIT_BLOCKS blocks): DuckDB then writes whole row
    groups straight to the file instead of a WAL entry per block that a checkpoint must rewrite
    (commits were a third of a bulk pull). A crash still leaves the store at a commit. The first
    transaction also removes rows an audit showed past the committed offset (``show_unfinished_line``),
    which the lines now loaded replace.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, src: _Source, resolved: str, size: int) -> None:
        self.con, self.src, self.resolved, self.size = con, src, resolved, size
        self.offset, self.lines, self.tail = src.committed_offset, src.committed_lines, src.tail
        self.events = self.other = self.writes = 0
        self.in_tx = False
        self.since_commit = 0
        self.cleaned = src.is_new
        self.load_events, self.load_other = read_sql("load/events.sql"), read_sql("load/other_lines.sql")

    def write(self, event_batch: pa.Table, other_batch: pa.Table, n_bytes: int, n_lines: int,
              loaded: bytes) -> None:
        """Store one batch covering the next ``n_bytes`` of the file (``loaded``: their last bytes)."""
        con, src = self.con, self.src
        if not self.in_tx:
            con.execute("begin transaction")
            self.in_tx = True
        if not self.cleaned:
            _drop_shown(con, src.source_id, self.offset)
            self.cleaned = True
        _insert_batches(con, src.source_id, event_batch, other_batch, self.load_events, self.load_other)
        self.offset += n_bytes
        self.lines += n_lines
        self.tail = (self.tail + loaded[-TAIL_BYTES:])[-TAIL_BYTES:]
        con.execute(
            "update sources set path = ?, fingerprint = ?, fp_len = ?, committed_offset = ?, "
            "committed_lines = ?, size_seen = ?, events = events + ?, other = other + ?, "
            "last_pull = ?, tail_sha = ? where source_id = ?",
            [self.resolved, src.fingerprint, src.fp_len, self.offset, self.lines,
             max(self.size, self.offset), event_batch.num_rows, other_batch.num_rows, datetime.now(UTC),
             _sha256(self.tail), src.source_id],
        )
        self.events += event_batch.num_rows
        self.other += other_batch.num_rows
        self.writes += 1
        self.since_commit += 1
        if self.since_commit >= COMMIT_BLOCKS:
            self.commit()

    def commit(self) -> None:
        if self.in_tx:
            self.con.execute("commit")
            self.in_tx, self.since_commit = False, 0

    def rollback(self) -> None:
        if self.in_tx:  # the store stays at the last commit; this pull's counters are not reported
            self.con.execute("rollback")
            self.in_tx = False


def _insert_batches(con: duckdb.DuckDBPyConnection, source_id: str, event_batch: pa.Table,
                    other_batch: pa.Table, load_events: str, load_other: str) -> None:
    con.register("event_batch", event_batch)
    con.register("other_batch", other_batch)
    try:
        con.execute(load_events, [source_id])
        con.execute(load_other, [source_id])
    finally:
        con.unregister("event_batch")
        con.unregister("other_batch")


def _drop_shown(con: duckdb.DuckDBPyConnection, source_id: str, offset: int) -> None:
    """Remove the rows past the committed offset (an unfinished line an audit showed), if any."""
    shown = con.execute("select shown_from from sources where source_id = ?", [source_id]).fetchall()
    if shown and shown[0][0] is not None:
        con.execute("delete from events where source_id = ? and byte_offset >= ?", [source_id, offset])
        con.execute("delete from other_lines where source_id = ? and byte_offset >= ?", [source_id, offset])
        con.execute("update sources set shown_from = null where source_id = ?", [source_id])


def _too_long_batch(offset: int, line_no: int, head: bytes, byte_len: int) -> pa.Table:
    """The other-line row of one line longer than MAX_LINE_BYTES (its first RAW_CAP_BYTES kept)."""
    raw = head[:RAW_CAP_BYTES]
    return pa.table({
        "byte_offset": pa.array([offset], pa.int64()), "line_no": pa.array([line_no], pa.int64()),
        "reason": pa.array([REASON_TOO_LONG], pa.string()), "byte_len": pa.array([byte_len], pa.int64()),
        "preview": pa.array([_preview(raw)], pa.string()), "raw": pa.array([raw], pa.binary()),
    }, schema=_OTHER_SCHEMA)


def pull_file(
    con: duckdb.DuckDBPyConnection,
    path: Path | str,
    *,
    final: bool = False,
    block_bytes: int = 16 * 1024 * 1024,
    progress: Callable[[int, int], None] | None = None,
) -> PullResult:
    """Load the bytes of ``path`` not loaded yet. ``final``: the file will not grow any more.

    The cost is the new bytes (plus the 1 KiB head and 64 bytes of tail read to recognise the file),
    not the file's size. Memory is bounded by the block size plus MAX_LINE_BYTES: a longer line is
    skipped to its newline, keeping its first RAW_CAP_BYTES, its length and its last bytes.
    """
    path = Path(path)
    size = check_readable(path)
    if block_bytes < 1:
        raise InputError(f"read block size must be at least 1 byte, not {block_bytes}")
    resolved = str(path.resolve())
    with _open_regular(path) as fh:
        head = fh.read(FINGERPRINT_BYTES)
        if not head:
            return PullResult("", str(path), False, 0, 0, 0, 0, 0, 0)
        src = _identify(con, fh, resolved, head, size)
        now = datetime.now(UTC)
        if src.is_new:
            con.execute(
                "insert into sources (source_id, path, fingerprint, fp_len, committed_offset, "
                "committed_lines, size_seen, events, other, first_seen, last_pull) "
                "values (?, ?, ?, ?, 0, 0, ?, 0, 0, ?, ?)",
                [src.source_id, resolved, src.fingerprint, src.fp_len, size, now, now],
            )
        elif src.fp_len < len(head):  # the file has grown past its first fingerprint: make it stronger
            src.fingerprint, src.fp_len = _sha256(head), len(head)
        fh.seek(src.committed_offset)
        out = _Writer(con, src, resolved, size)
        pending = b""
        # an overlong line being skipped: its first bytes, its length so far, its last bytes
        long_head: bytes | None = None
        long_len = 0
        long_tail = b""
        after_pretty = False if src.is_new else _after_pretty(con, src.source_id, src.committed_offset)
        try:
            while True:
                chunk = fh.read(block_bytes)
                at_eof = len(chunk) < block_bytes
                if long_head is not None:
                    nl = chunk.find(b"\n")
                    part = chunk if nl < 0 else chunk[:nl]
                    long_len += len(part)
                    long_tail = (long_tail + part[-TAIL_BYTES:])[-TAIL_BYTES:]
                    if nl < 0 and not (at_eof and final):
                        if at_eof:
                            break  # held back until its newline (or a final pull) comes
                        continue
                    ended = b"\n" if nl >= 0 else b""
                    out.write(_EVENT_SCHEMA.empty_table(),
                              _too_long_batch(out.offset, out.lines + 1, long_head, long_len),
                              long_len + len(ended), 1, long_tail + ended)
                    after_pretty = False
                    long_head, long_len, long_tail = None, 0, b""
                    chunk = chunk[nl + 1:] if nl >= 0 else b""
                data = pending + chunk
                cut = data.rfind(b"\n") + 1
                unterminated = at_eof and final and cut < len(data)
                if unterminated:
                    cut = len(data)
                block, pending = data[:cut], data[cut:]
                del data
                if block:
                    parsed = _Block(con, block, out.offset, out.lines, unterminated, after_pretty)
                    out.write(parsed.event_batch(), parsed.other_batch(), len(block), parsed.n_lines, block)
                    after_pretty = parsed.after_pretty
                    if progress is not None:
                        progress(out.offset, max(size, out.offset))
                if len(pending) > MAX_LINE_BYTES:  # no event is this long: skip it, keep its head
                    long_head, long_len = pending[:RAW_CAP_BYTES], len(pending)
                    long_tail, pending = pending[-TAIL_BYTES:], b""
                if at_eof:
                    break
            out.commit()
        except BaseException:
            out.rollback()
            raise
        if not src.is_new and out.events == 0 and out.other == 0:
            con.execute("update sources set path = ?, size_seen = ?, last_pull = ? where source_id = ?",
                        [resolved, size, datetime.now(UTC), src.source_id])
        if out.writes > 1:
            _settle_bulk_load(con, src.source_id)
    held = long_len if long_head is not None else len(pending)
    return PullResult(src.source_id, str(path), src.is_new, out.offset - src.committed_offset, out.events,
                      out.other, out.offset, max(size, out.offset), held)


def show_unfinished_line(con: duckdb.DuckDBPyConnection, path: Path | str, pull: PullResult) -> int:
    """Show the line a pull held back (a last line without its newline) in the store, uncommitted.

    An audit reports what the file holds now, its unfinished last line included (as ``truncated``,
    or whatever the line reads as), but the bytes stay uncommitted: the row sits at the committed
    offset, flagged in ``sources.shown_from``, and the next pull or audit that loads more of the
    file replaces it with the finished line. So auditing a log the bot is still writing stores no
    junk for good, and a finished log with a torn last line still has it counted. Returns the
    number of rows shown (0 or 1).
    """
    if not pull.source_id or pull.held_back == 0:
        return 0
    with _open_regular(Path(path)) as fh:
        fh.seek(pull.committed_offset)
        data = fh.read(MAX_LINE_BYTES + 1)
        size = os.fstat(fh.fileno()).st_size
    if not data or b"\n" in data:
        return 0  # the line was finished meanwhile: the next pull loads it
    ((lines,),) = con.execute("select committed_lines from sources where source_id = ?",
                              [pull.source_id]).fetchall()
    if len(data) > MAX_LINE_BYTES:
        events, other = _EVENT_SCHEMA.empty_table(), _too_long_batch(
            pull.committed_offset, lines + 1, data, max(size - pull.committed_offset, len(data)))
    else:
        after = _after_pretty(con, pull.source_id, pull.committed_offset)
        parsed = _Block(con, data, pull.committed_offset, lines, True, after)
        events, other = parsed.event_batch(), parsed.other_batch()
    con.execute("begin transaction")
    try:
        _drop_shown(con, pull.source_id, pull.committed_offset)
        _insert_batches(con, pull.source_id, events, other, read_sql("load/events.sql"),
                        read_sql("load/other_lines.sql"))
        con.execute("update sources set shown_from = ? where source_id = ?",
                    [pull.committed_offset, pull.source_id])
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return events.num_rows + other.num_rows


def _settle_bulk_load(con: duckdb.DuckDBPyConnection, source_id: str) -> None:
    """Let DuckDB merge the row groups a bulk load left behind, now rather than at the next pull.

    Each committed block leaves a full and a partial row group; DuckDB merges them at the first
    checkpoints that follow a later write (1.4 s, then 0.3 s, for 1 GB of log; measured in
    bench/findings.md), and a checkpoint with nothing pending merges nothing. Two tiny writes, each
    followed by a checkpoint, make the bulk pull pay this once; the next 1 MB pull then commits in ms.
    """
    for _ in range(2):
        con.execute("update sources set last_pull = ? where source_id = ?", [datetime.now(UTC), source_id])
        con.execute("checkpoint")


def expand_paths(patterns: Sequence[str | Path]) -> tuple[list[Path], list[str]]:
    """The files named or matched by ``patterns``, in a stable order, and the globs that matched nothing.

    A plain path must be readable (``InputError`` otherwise); a glob may match nothing yet (a bot
    that has not started), which the caller reports rather than fails on. A file matching the glob
    later is a new source at its first pull.
    """
    files: list[Path] = []
    empty: list[str] = []
    seen: set[str] = set()
    for pattern in patterns:
        text = str(pattern)
        if glob.has_magic(text):
            matches = sorted(Path(m) for m in glob.glob(text, recursive=True) if Path(m).is_file())
            if not matches:
                empty.append(text)
        else:
            check_readable(Path(text))
            matches = [Path(text)]
        for path in matches:
            key = str(path.resolve())
            if key not in seen:
                seen.add(key)
                files.append(path)
    return files, empty


def pull_digest(results: Sequence[PullResult], unmatched: Sequence[str] = ()) -> dict[str, Any]:
    """A JSON-friendly digest of one pull of several files (``mmwatch pull --json``, flow pull-logs)."""
    return {
        "files": [
            {"path": r.path, "source_id": r.source_id, "new_source": r.new_source, "bytes_read": r.bytes_read,
             "events": r.events, "other": r.other, "committed_offset": r.committed_offset, "size": r.size,
             "held_back": r.held_back}
            for r in results
        ],
        "unmatched_globs": list(unmatched),
        "bytes_read": sum(r.bytes_read for r in results),
        "events": sum(r.events for r in results),
        "other": sum(r.other for r in results),
    }


def pull_paths(
    db_path: Path | str,
    patterns: Sequence[str | Path],
    *,
    final: bool = False,
    block_bytes: int = 16 * 1024 * 1024,
    pull: Callable[..., PullResult] | None = None,
) -> tuple[list[PullResult], list[str]]:
    """Pull every file named or matched by ``patterns`` into the store at ``db_path``.

    Returns the pull results and the globs that matched nothing. ``pull`` replaces ``pull_file``
    (called with the same arguments) so that a flow can make each file a task run.
    """
    if not patterns:
        raise InputError("no log path or glob given")
    files, unmatched = expand_paths(patterns)
    pull = pull or pull_file
    con = connect_waiting(db_path)
    try:
        return [pull(con, path, final=final, block_bytes=block_bytes) for path in files], unmatched
    finally:
        con.close()


def connect_waiting(db_path: Path | str, wait_s: float = LOCK_WAIT_S,
                    notify: Callable[[str], None] | None = None) -> duckdb.DuckDBPyConnection:
    """Open the store, waiting up to ``wait_s`` while another process holds its lock.

    The supervisor opens the DuckDB file for a moment at every live check; a scheduled pull or
    audit that arrives at that moment waits its turn instead of failing. Another audit holds the
    lock for its whole run, so audits wait longer (``AUDIT_LOCK_WAIT_S``). Once the wait has lasted
    a second, one line says so (``notify``, default stderr), so a waiting command never looks hung;
    after ``wait_s`` the lock error is raised (one line, exit 2 at the command line).
    """
    from mmwatch.store import StoreError, connect

    started = time.monotonic()
    told = False
    while True:
        try:
            return connect(db_path)
        except StoreError as exc:
            waited = time.monotonic() - started
            if "lock" not in str(exc).lower() or waited >= wait_s:
                raise
            if not told and waited >= 1.0:
                message = (f"waiting for the lock on {db_path} (another mmwatch process is using it), "
                           f"up to {wait_s:.0f} s")
                if notify is not None:
                    notify(message)
                else:
                    print(f"mmwatch: {message}", file=sys.stderr, flush=True)
                told = True
            time.sleep(0.1)
