"""``mmwatch publish [--retry [--requeue-failed] [--deadline S]] [--db FILE]``: the publish outbox.

Without ``--retry``: what the outbox holds, per target and state. With ``--retry``: send every
object still queued (for example after the store was down or slow during an audit) to its target,
now, whatever backoff the outbox set, within ``--deadline`` seconds (default ``publish_deadline_s``);
``--requeue-failed`` first puts objects the store refused for good back in the queue (after a
person fixed the cause: permissions, ...). An object refused again is marked failed and alerted.
Exit codes: 0 nothing waits any more, 1 objects still wait or failed, 2 bad usage (unreadable
DuckDB file, bad target URL, the publish folder's disk full).
"""

from __future__ import annotations

import argparse
import time

from mmwatch.cli import EXIT_FINDINGS, EXIT_OK, UsageError
from mmwatch.config import load_settings


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("publish", help="show the publish outbox, or send what waits in it (--retry)")
    p.add_argument("--retry", action="store_true", help="send every object still queued in the outbox")
    p.add_argument("--requeue-failed", action="store_true",
                   help="with --retry: queue the objects marked failed again first")
    p.add_argument("--deadline", type=float, metavar="S",
                   help="with --retry: stop sending after S seconds "
                        "(default 60, env MMWATCH_PUBLISH_DEADLINE_S)")
    p.add_argument("--db", help="DuckDB file holding the outbox "
                                "(default .mmwatch/mmwatch.duckdb, env MMWATCH_DB)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from mmwatch.publish import PublishError, open_target
    from mmwatch.publish.alerting import alert_rejected
    from mmwatch.publish.outbox import (
        OutboxError,
        flush,
        open_outbox,
        requeue_failed,
        summary,
        waiting_targets,
    )

    settings = load_settings(db=args.db, publish_deadline_s=args.deadline)
    if not settings.db_path.exists():
        raise UsageError(f"no DuckDB file at {settings.db_path} (nothing was audited there)")
    if args.requeue_failed and not args.retry:
        raise UsageError("--requeue-failed goes with --retry")
    try:
        con = open_outbox(settings.db_path)
    except OutboxError as exc:
        raise UsageError(str(exc)) from None
    try:
        if args.retry:
            if args.requeue_failed:
                print(f"{requeue_failed(con)} failed object(s) queued again")
            if not waiting_targets(con):
                print("nothing waits in the outbox")
            deadline = time.monotonic() + settings.publish_deadline_s  # one deadline for the whole retry
            for url in waiting_targets(con):
                try:
                    target = open_target(url)
                except PublishError as exc:
                    raise UsageError(str(exc)) from None
                r = flush(con, target, deadline, force=True)
                alert_rejected(con, r, settings)
                if r.disk_full is not None:
                    raise UsageError(f"{r.disk_full} (the object stays queued)")
                sent = ", ".join(f"{n} {k}" for k, n in sorted(r.outcomes.items())) or "nothing"
                line = f"{url}: {sent}; {r.waiting} still waiting"
                if r.deadline_hit:
                    line += f" (deadline of {settings.publish_deadline_s:g} s reached)"
                print(line + (f" ({r.error})" if r.error else ""))
        rows = summary(con)
    finally:
        con.close()
    if not rows:
        print("outbox empty: nothing was queued for publishing")
        return EXIT_OK
    if not args.retry:
        for url, status, n, error in rows:
            note = f"  last error: {error}" if status in ("queued", "failed") and error else ""
            print(f"{url}  {status:8} {n:6}{note}")
    pending = sum(n for _, status, n, _ in rows if status in ("queued", "failed"))
    return EXIT_FINDINGS if pending else EXIT_OK
