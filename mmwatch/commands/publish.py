"""``mmwatch publish [--retry] [--db FILE]``: the publish outbox.

Without ``--retry``: what the outbox holds, per target and state. With ``--retry``: send every
object still queued (for example after the store was down during an audit) to its target.
Exit codes: 0 nothing waits any more, 1 objects still wait or failed their check, 2 bad usage
(unreadable DuckDB file, bad target URL).
"""

from __future__ import annotations

import argparse

from mmwatch.cli import EXIT_FINDINGS, EXIT_OK, UsageError
from mmwatch.config import load_settings


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("publish", help="show the publish outbox, or send what waits in it (--retry)")
    p.add_argument("--retry", action="store_true", help="send every object still queued in the outbox")
    p.add_argument("--db", help="DuckDB file holding the outbox "
                                "(default .mmwatch/mmwatch.duckdb, env MMWATCH_DB)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from mmwatch.publish import PublishError, open_target
    from mmwatch.publish.outbox import OutboxError, flush, open_outbox, summary, waiting_targets

    settings = load_settings(db=args.db)
    if not settings.db_path.exists():
        raise UsageError(f"no DuckDB file at {settings.db_path} (nothing was audited there)")
    try:
        con = open_outbox(settings.db_path)
    except OutboxError as exc:
        raise UsageError(str(exc)) from None
    try:
        if args.retry:
            if not waiting_targets(con):
                print("nothing waits in the outbox")
            for url in waiting_targets(con):
                try:
                    target = open_target(url)
                except PublishError as exc:
                    raise UsageError(str(exc)) from None
                r = flush(con, target)
                sent = ", ".join(f"{n} {k}" for k, n in sorted(r.outcomes.items())) or "nothing"
                line = f"{url}: {sent}; {r.waiting} still waiting"
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
