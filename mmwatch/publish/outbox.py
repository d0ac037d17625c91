"""The outbox: queue objects in DuckDB first, send them second, forget nothing, block on nothing.

``enqueue`` records the objects of an audit in table ``outbox`` (in the audit's DuckDB file) in
one transaction; ``flush`` sends what is queued for a target, fresh objects first, and marks each
row with what the target said. A key already queued or sent is not queued again, so the same
audit twice sends nothing twice. No object can hold the others back:

* refused for good (``ObjectRejected``: 403 on the key, a name too long): the row is ``failed``
  with the reason and the flush goes on with the next object;
* refused for now (a 500 or throttling for this key): the row stays ``queued`` with a
  ``next_try_at`` that doubles with each attempt (``OBJECT_BACKOFF_S`` up to ``BACKOFF_MAX_S``);
  flushes skip it until then and go on;
* no answer at all (down, hanging, no such bucket): the flush stops, the rest stay queued, and
  the target is skipped until its own ``next_try_at`` (table ``outbox_targets``), so the second
  flush of an audit does not wait for the same dead endpoint again;
* ``deadline`` (a ``time.monotonic()`` value): no object is started after it and a call still
  running at it is abandoned (its object stays queued; the store's create-only check makes a late
  success harmless): one hanging endpoint costs an audit the deadline, not minutes.

``force=True`` (``mmwatch publish --retry``) ignores both backoffs: a person asked for it now.

Row states: ``queued`` (waiting), ``created`` (we wrote it), ``present`` (the target had the same
bytes), ``kept`` (the target had other bytes of the same content version; the first copy stays),
``failed`` (refused for good, or written but the read-back did not match: kept with its body and
the reason for a person to look at; ``requeue_failed`` puts them back in the queue).
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from mmwatch.publish.layout import OutObject
from mmwatch.publish.targets import (
    PublishError,
    PutOutcome,
    Target,
    TargetFull,
    TargetUnavailable,
    sha256_hex,
)

DDL = (Path(__file__).with_name("outbox.sql")).read_text(encoding="utf-8")
DONE = ("created", "present", "kept")
#: First wait after a transient failure of one object, doubled per attempt up to BACKOFF_MAX_S.
OBJECT_BACKOFF_S = 60.0
#: First wait after a target did not answer, doubled per flush that finds it down.
TARGET_BACKOFF_S = 30.0
BACKOFF_MAX_S = 3600.0
#: Transient failures in a row (each a different object) after which the target looks down.
TRANSIENT_STREAK = 3


class DeadlineReached(TargetUnavailable):
    """A call to the target was still running at the publish deadline: abandoned, object queued."""


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
    #: objects this flush marked failed: (key, session id, reason); each deserves an alert
    rejected: list[tuple[str, str | None, str]] = field(default_factory=list)
    #: the flush stopped at the publish deadline (objects left waiting)
    deadline_hit: bool = False
    #: the target is skipped until then (ISO time) after it did not answer
    backing_off_until: str | None = None
    #: the publish folder's disk is full: the flush stopped; the caller stops with this error
    disk_full: TargetFull | None = None

    @property
    def sent(self) -> int:
        return self.outcomes["created"]

    def notice(self, db_path: Path | str) -> str | None:
        """One line for the audit's output when anything was not published, else ``None``."""
        parts = []
        if self.rejected:
            key, _, reason = self.rejected[0]
            more = f" (and {len(self.rejected) - 1} more)" if len(self.rejected) > 1 else ""
            parts.append(f"{len(self.rejected)} object(s) refused for good, marked failed and alerted: "
                         f"{key}: {reason}{more}")
        if self.waiting:
            why = "publish deadline reached" if self.deadline_hit else (self.error or "not sent yet")
            if self.backing_off_until:
                why += f"; target skipped until {self.backing_off_until}"
            parts.append(f"{self.waiting} object(s) wait in the outbox of {db_path} ({why}); they go out "
                         f"with the next audit or `mmwatch publish --retry --db {db_path}`")
        return "; ".join(parts) or None


def _put_within(target: Target, key: str, body: bytes, ctype: str, seconds: float | None) -> PutOutcome:
    """``target.put_new`` given at most ``seconds``; a call still running then is abandoned.

    The call runs in a daemon thread: a socket that never answers cannot be interrupted from
    outside, and a daemon thread does not keep the process alive at exit.
    """
    if seconds is None:
        return target.put_new(key, body, ctype)
    box: dict[str, object] = {}

    def work() -> None:
        try:
            box["outcome"] = target.put_new(key, body, ctype)
        except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread below
            box["error"] = exc

    thread = threading.Thread(target=work, name="mmwatch-publish", daemon=True)
    thread.start()
    thread.join(max(0.0, seconds))
    if thread.is_alive():
        raise DeadlineReached(f"{target.url}: no answer for {key} within the publish deadline",
                              whole_target=True)
    if "error" in box:
        raise box["error"]  # type: ignore[misc]
    return box["outcome"]  # type: ignore[return-value]


def target_backoff(con: duckdb.DuckDBPyConnection, target_url: str) -> str | None:
    """When the target is skipped until (ISO), if it is backing off now."""
    rows = con.execute("select cast(next_try_at as varchar) from outbox_targets "
                       "where target_url = ? and next_try_at > now()", [target_url]).fetchall()
    return rows[0][0] if rows else None


def _target_down(con: duckdb.DuckDBPyConnection, target_url: str, error: str) -> None:
    con.execute(
        "insert into outbox_targets values (?, 1, now() + to_microseconds(cast(? as bigint)), ?) "
        "on conflict (target_url) do update set failures = outbox_targets.failures + 1, "
        "next_try_at = now() "
        "+ to_microseconds(cast(least(? * pow(2, outbox_targets.failures), ?) as bigint)), "
        "last_error = excluded.last_error",
        [target_url, int(TARGET_BACKOFF_S * 1e6), error, TARGET_BACKOFF_S * 1e6, BACKOFF_MAX_S * 1e6])


def _target_up(con: duckdb.DuckDBPyConnection, target_url: str) -> None:
    con.execute("delete from outbox_targets where target_url = ?", [target_url])


def flush(con: duckdb.DuckDBPyConnection, target: Target, deadline: float | None = None,
          force: bool = False) -> FlushResult:
    """Send the queued objects of ``target`` that are due (see the module docstring)."""
    result = FlushResult(target.url)
    backing_off = None if force else target_backoff(con, target.url)
    if backing_off is not None:
        result.backing_off_until = backing_off
        result.error = con.execute("select last_error from outbox_targets where target_url = ?",
                                   [target.url]).fetchall()[0][0]
        result.waiting = _waiting(con, target.url)
        return result
    due = "" if force else "and (next_try_at is null or next_try_at <= now()) "
    queued = con.execute(
        "select key, content_type, sha256, body, session_id, attempts from outbox "
        f"where target_url = ? and status = 'queued' {due}"
        # fresh objects first (an old object that keeps failing never starves a new session);
        # index rows last: they point at the reports
        "order by attempts > 0, queued_at, key like 'index/%', key",
        [target.url]).fetchall()
    streak = 0
    for key, ctype, digest, body, session_id, attempts in queued:
        left = None if deadline is None else deadline - time.monotonic()
        if left is not None and left <= 0:
            result.deadline_hit = True
            break
        body = bytes(body)
        try:
            if sha256_hex(body) != digest:
                raise PublishError(f"outbox row {key}: body does not match its SHA-256 (store damaged?)")
            outcome = _put_within(target, key, body, ctype, left)
        except TargetUnavailable as exc:
            result.error = str(exc)
            result.deadline_hit = result.deadline_hit or isinstance(exc, DeadlineReached)
            delay = min(OBJECT_BACKOFF_S * 2 ** attempts, BACKOFF_MAX_S)
            con.execute("update outbox set attempts = attempts + 1, last_error = ?, last_try_at = now(), "
                        "next_try_at = now() + to_microseconds(cast(? as bigint)) "
                        "where target_url = ? and key = ?",
                        [str(exc), int(delay * 1e6), target.url, key])
            streak += 1
            if exc.whole_target or streak >= TRANSIENT_STREAK:
                _target_down(con, target.url, str(exc))
                result.backing_off_until = target_backoff(con, target.url)
                if isinstance(exc, TargetFull):
                    result.disk_full = exc
                break
            continue
        except PublishError as exc:  # refused for good: this object only, the others go on
            result.outcomes["failed"] += 1
            result.statuses[key] = "failed"
            result.rejected.append((key, session_id, str(exc)))
            con.execute("update outbox set status = 'failed', attempts = attempts + 1, last_error = ?, "
                        "last_try_at = now() where target_url = ? and key = ?", [str(exc), target.url, key])
            continue
        streak = 0
        result.outcomes[outcome] += 1
        result.statuses[key] = outcome
        con.execute("update outbox set status = ?, attempts = attempts + 1, last_error = null, "
                    "last_try_at = now(), sent_at = now(), next_try_at = null, body = null "
                    "where target_url = ? and key = ?",
                    [outcome, target.url, key])
    if result.outcomes and any(k in DONE for k in result.outcomes):
        _target_up(con, target.url)
    if result.rejected and not result.error:
        result.error = f"{len(result.rejected)} object(s) refused for good: {result.rejected[0][2]}"
    result.waiting = _waiting(con, target.url)
    return result


def _waiting(con: duckdb.DuckDBPyConnection, target_url: str) -> int:
    return con.execute("select count(*) from outbox where target_url = ? and status = 'queued'",
                       [target_url]).fetchall()[0][0]


def requeue_failed(con: duckdb.DuckDBPyConnection) -> int:
    """Put every failed object with its body back in the queue (after a person fixed the cause)."""
    n = con.execute("select count(*) from outbox where status = 'failed' and body is not null"
                    ).fetchall()[0][0]
    con.execute("update outbox set status = 'queued', next_try_at = null "
                "where status = 'failed' and body is not null")
    return n


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
