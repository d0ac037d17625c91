"""The outbox: queue objects in DuckDB first, send them second, forget nothing.

``enqueue`` records the objects of an audit in table ``outbox`` (in the audit's DuckDB file) in
one transaction; ``flush`` sends what is queued for a target, oldest first, and marks each row with
what the target said. A target that cannot be reached stops the flush (the rest stay queued for
the next audit or ``mmwatch publish --retry``); a key already queued or sent is not queued again,
so the same audit twice sends nothing twice.

Row states: ``queued`` (waiting), ``created`` (we wrote it), ``present`` (the target had the same
bytes), ``kept`` (the target had other bytes of the same content version; the first copy stays),
``failed`` (written but the read-back did not match: kept with its body for a person to look at).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from mmwatch.publish.layout import OutObject
from mmwatch.publish.targets import PublishError, Target, TargetUnavailable, sha256_hex

DDL = (Path(__file__).with_name("outbox.sql")).read_text(encoding="utf-8")
DONE = ("created", "present", "kept")


class OutboxError(RuntimeError):
    """The DuckDB file holding the outbox cannot be opened (locked by another process ...)."""


def open_outbox(db_path: Path | str) -> duckdb.DuckDBPyConnection:
    """A connection to ``db_path`` with table ``outbox`` in place."""
    Path(db_path).parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(str(db_path))
    except duckdb.Error as exc:
        raise OutboxError(f"cannot open DuckDB file {db_path}: {exc}") from exc
    con.execute(DDL)
    return con


def enqueue(con: duckdb.DuckDBPyConnection, target_url: str, objects: Iterable[OutObject],
            session_id: str | None = None) -> int:
    """Queue ``objects`` for ``target_url``; keys already in the outbox are left alone. Returns rows added."""
    rows = [(target_url, o.key, o.content_type, sha256_hex(o.body), len(o.body), o.body, session_id)
            for o in objects]
    if not rows:
        return 0
    before = con.execute("select count(*) from outbox").fetchall()[0][0]
    con.execute("begin transaction")
    try:
        con.executemany(
            "insert or ignore into outbox (target_url, key, content_type, sha256, size_bytes, body, "
            "session_id) values (?, ?, ?, ?, ?, ?, ?)",
            rows)
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return con.execute("select count(*) from outbox").fetchall()[0][0] - before


@dataclass
class FlushResult:
    """What one flush did for one target."""

    target_url: str
    outcomes: Counter[str] = field(default_factory=Counter)
    waiting: int = 0
    error: str | None = None
    statuses: dict[str, str] = field(default_factory=dict)

    @property
    def sent(self) -> int:
        return self.outcomes["created"]


def flush(con: duckdb.DuckDBPyConnection, target: Target) -> FlushResult:
    """Send every queued object of ``target``, oldest first; stop at the first unreachable error."""
    result = FlushResult(target.url)
    queued = con.execute(
        "select key, content_type, sha256, body from outbox where target_url = ? and status = 'queued' "
        "order by queued_at, key like 'index/%', key",  # index rows last: they point at the reports
        [target.url]).fetchall()
    for key, ctype, digest, body in queued:
        body = bytes(body)
        try:
            if sha256_hex(body) != digest:
                raise PublishError(f"outbox row {key}: body does not match its SHA-256 (store damaged?)")
            outcome = target.put_new(key, body, ctype)
        except TargetUnavailable as exc:
            result.error = str(exc)
            con.execute("update outbox set attempts = attempts + 1, last_error = ?, last_try_at = now() "
                        "where target_url = ? and key = ?", [str(exc), target.url, key])
            break
        except PublishError as exc:
            result.outcomes["failed"] += 1
            result.statuses[key] = "failed"
            result.error = str(exc)
            con.execute("update outbox set status = 'failed', attempts = attempts + 1, last_error = ?, "
                        "last_try_at = now() where target_url = ? and key = ?", [str(exc), target.url, key])
            continue
        result.outcomes[outcome] += 1
        result.statuses[key] = outcome
        con.execute("update outbox set status = ?, attempts = attempts + 1, last_error = null, "
                    "last_try_at = now(), sent_at = now(), body = null where target_url = ? and key = ?",
                    [outcome, target.url, key])
    result.waiting = con.execute("select count(*) from outbox where target_url = ? and status = 'queued'",
                                 [target.url]).fetchall()[0][0]
    return result


def status_of(con: duckdb.DuckDBPyConnection, target_url: str, key: str) -> str | None:
    rows = con.execute("select status from outbox where target_url = ? and key = ?",
                       [target_url, key]).fetchall()
    return rows[0][0] if rows else None


def waiting_targets(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Targets with objects still queued."""
    rows = con.execute("select distinct target_url from outbox where status = 'queued' order by 1").fetchall()
    return [r[0] for r in rows]


def summary(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, int, str | None]]:
    """``(target_url, status, objects, last error)`` for every target and status."""
    return con.execute(
        "select target_url, status, count(*), max(last_error) from outbox group by all order by 1, 2",
    ).fetchall()
