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

The JSON lines go through DuckDB's own ``read_json`` in bulk; everything else (pretty text, console
noise, damaged lines) goes through ``mmwatch.logline`` one line at a time.
"""

from __future__ import annotations

import glob
import hashlib
import io
import os
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

from mmwatch.logline import LEVELS, TIMESTAMP_RE, Event, Other, classify_line
from mmwatch.store import read_sql

FINGERPRINT_BYTES = 1024
#: Blocks loaded per transaction (with 16 MiB blocks: a commit every 128 MiB).
COMMIT_BLOCKS = 8
TAIL_BYTES = 64  # checksum of the last bytes loaded: a rewritten file is caught even with the same head
LOCK_WAIT_S = 15.0  # how long a pull waits for another process's lock on the DuckDB file
RESUME_WINDOW = 1024 * 1024  # how far back the last loaded line is looked for (pretty continuations)
MAX_BULK_LINE = 8 * 1024 * 1024  # longer JSON lines take the line-by-line path
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


def check_readable(path: Path) -> int:
    """The file's size; ``InputError`` with a one-line reason when it cannot be read."""
    try:
        st = path.stat()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from None
    if path.is_dir():
        raise InputError(f"{path}: is a directory, not a log file")
    if not os.access(path, os.R_OK):
        raise InputError(f"{path}: permission denied")
    return st.st_size


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
        " where source_id = ? and byte_offset >= ?"
        " union all"
        " select byte_offset, reason = 'continuation' from other_lines"
        " where source_id = ? and byte_offset >= ?"
        ") order by byte_offset desc limit 1",
        [source_id, offset - RESUME_WINDOW, source_id, offset - RESUME_WINDOW],
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
    """Parse JSON lines with DuckDB; ``None`` when the row count does not match the lines given."""
    rel = con.read_json(
        io.BytesIO(data), format="newline_delimited", ignore_errors=True, columns=_JSON_COLUMNS,
        maximum_object_size=2 * MAX_BULK_LINE,
    )
    table = rel.to_arrow_table()
    if table.num_rows != n_expected:
        return None
    return pa.table({name: table.column(name).cast(pa.string()) for name in _JSON_COLUMNS})


def _is_event(table: pa.Table) -> pa.ChunkedArray:
    level_ok = pc.is_in(table["level"], value_set=pa.array(LEVELS))
    ts_ok = pc.match_substring_regex(table["timestamp"], TIMESTAMP_RE)
    fields_ok = pc.starts_with(table["fields"], "{")
    return pc.fill_null(pc.and_(pc.and_(level_ok, ts_ok), fields_ok), False)


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
        bulk = nonempty & (first == ord("{")) & (last == ord("}")) & (lengths <= MAX_BULK_LINE)
        if unterminated and len(bulk):
            bulk[-1] = False
        self.n_lines = len(starts)
        self.starts, self.ends = starts, ends
        self.offsets = base_offset + starts
        self.line_nos = base_line + 1 + np.arange(len(starts), dtype=np.int64)
        self.event_tables: list[pa.Table] = []
        self.other_rows: list[tuple[int, int, str, bytes]] = []
        self.after_pretty = after_pretty

        slow = ~bulk & nonempty
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
        ok = _is_event(table).to_numpy(zero_copy_only=False)
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
            if not raw.strip():
                prev_index = i
                continue
            result = classify_line(raw, pretty_prev, unterminated and i == self.n_lines - 1)
            if isinstance(result, Event):
                events.append((result.timestamp, result.level, result.fields, result.target, result.span,
                               result.spans, int(self.offsets[i]), int(self.line_nos[i]), result.format))
                pretty_prev = result.format == "pretty"
            else:
                assert isinstance(result, Other)
                self.other_rows.append((i, len(raw), result.reason, raw))
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
            "preview": pa.array([raw[:2000].decode("utf-8", "replace")[:500] for *_, raw in rows],
                                pa.string()),
            "raw": pa.array([raw for *_, raw in rows], pa.binary()),
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
    not the file's size.
    """
    path = Path(path)
    size = check_readable(path)
    if block_bytes < 1:
        raise InputError(f"read block size must be at least 1 byte, not {block_bytes}")
    resolved = str(path.resolve())
    with path.open("rb") as fh:
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
        offset, lines, tail = src.committed_offset, src.committed_lines, src.tail
        fh.seek(offset)
        n_events = n_other = 0
        pending = b""
        after_pretty = False if src.is_new else _after_pretty(con, src.source_id, offset)
        load_events, load_other = read_sql("load/events.sql"), read_sql("load/other_lines.sql")
        blocks = 0
        # Several blocks share one transaction (up to COMMIT_BLOCKS blocks): DuckDB then writes whole
        # row groups straight to the file instead of a WAL entry per block that a checkpoint must
        # rewrite (commits were a third of a bulk pull). A crash still leaves the store at a commit.
        in_tx = False
        since_commit = 0
        try:
            while True:
                chunk = fh.read(block_bytes)
                at_eof = len(chunk) < block_bytes
                data = pending + chunk
                cut = data.rfind(b"\n") + 1
                unterminated = at_eof and final and cut < len(data)
                if unterminated:
                    cut = len(data)
                block, pending = data[:cut], data[cut:]
                if block:
                    parsed = _Block(con, block, offset, lines, unterminated, after_pretty)
                    event_batch, other_batch = parsed.event_batch(), parsed.other_batch()
                    tail = (tail + block)[-TAIL_BYTES:]
                    if not in_tx:
                        con.execute("begin transaction")
                        in_tx = True
                    con.register("event_batch", event_batch)
                    con.register("other_batch", other_batch)
                    try:
                        con.execute(load_events, [src.source_id])
                        con.execute(load_other, [src.source_id])
                    finally:
                        con.unregister("event_batch")
                        con.unregister("other_batch")
                    offset += len(block)
                    lines += parsed.n_lines
                    con.execute(
                        "update sources set path = ?, fingerprint = ?, fp_len = ?, committed_offset = ?, "
                        "committed_lines = ?, size_seen = ?, events = events + ?, other = other + ?, "
                        "last_pull = ?, tail_sha = ? where source_id = ?",
                        [resolved, src.fingerprint, src.fp_len, offset, lines, max(size, offset),
                         event_batch.num_rows, other_batch.num_rows, datetime.now(UTC), _sha256(tail),
                         src.source_id],
                    )
                    after_pretty = parsed.after_pretty
                    n_events += event_batch.num_rows
                    n_other += other_batch.num_rows
                    blocks += 1
                    since_commit += 1
                    if since_commit >= COMMIT_BLOCKS:
                        con.execute("commit")
                        in_tx, since_commit = False, 0
                    if progress is not None:
                        progress(offset, max(size, offset))
                if at_eof:
                    break
            if in_tx:
                con.execute("commit")
                in_tx = False
        except BaseException:
            if in_tx:  # the store stays at the last commit; this pull's counters are not reported
                con.execute("rollback")
            raise
        if not src.is_new and n_events == 0 and n_other == 0:
            con.execute("update sources set path = ?, size_seen = ?, last_pull = ? where source_id = ?",
                        [resolved, size, datetime.now(UTC), src.source_id])
        if blocks > 1:
            _settle_bulk_load(con, src.source_id)
    return PullResult(src.source_id, str(path), src.is_new, offset - src.committed_offset, n_events, n_other,
                      offset, max(size, offset), len(pending))


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


def connect_waiting(db_path: Path | str, wait_s: float = LOCK_WAIT_S) -> duckdb.DuckDBPyConnection:
    """Open the store, waiting up to ``wait_s`` while another process holds its lock.

    The supervisor opens the DuckDB file for a moment at every live check; a scheduled pull or
    audit that arrives at that moment waits its turn instead of failing.
    """
    from mmwatch.store import StoreError, connect

    deadline = time.monotonic() + wait_s
    while True:
        try:
            return connect(db_path)
        except StoreError as exc:
            if "lock" not in str(exc).lower() or time.monotonic() >= deadline:
                raise
            time.sleep(0.1)
