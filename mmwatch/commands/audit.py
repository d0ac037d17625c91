"""``mmwatch audit LOG... [--out DIR] [--db FILE] [--publish URL] [--fail-on SEVERITY]``.

Without ``PREFECT_API_URL`` the audit runs as plain function calls (an answer in seconds); with it,
or with ``--prefect``, it is a flow run of ``audit-session`` visible in the Prefect UI.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from typing import Any

from mmwatch.cli import EXIT_USAGE, UsageError
from mmwatch.config import SEVERITIES, load_settings

PROGRESS_MIN_BYTES = 8 * 1024 * 1024
#: Ingest block size while a progress bar is shown: small enough for the bar to move (a 32 MB
#: default block would make a 40 MB log jump 0 -> 80 % -> 100 %), large enough to stay fast.
PROGRESS_BLOCK_BYTES = 4 * 1024 * 1024


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("audit", help="audit bot session logs and write reports")
    p.add_argument("logs", nargs="+", metavar="LOG", help="log file(s) written by market_maker")
    p.add_argument("--out", help="report folder (default .mmwatch/reports, env MMWATCH_OUT)")
    p.add_argument("--db", help="DuckDB file (default .mmwatch/mmwatch.duckdb, env MMWATCH_DB)")
    p.add_argument(
        "--publish", metavar="URL", help="s3://bucket/prefix or file:///path (env MMWATCH_PUBLISH_URL)"
    )
    p.add_argument(
        "--fail-on", choices=SEVERITIES, help="exit 1 when a rule of this severity or above failed"
    )
    mode = p.add_mutually_exclusive_group()
    mode.add_argument(
        "--prefect",
        dest="prefect",
        action="store_true",
        default=None,
        help="run as a Prefect flow run (default when PREFECT_API_URL is set)",
    )
    mode.add_argument("--no-prefect", dest="prefect", action="store_false", help="run as plain calls")
    p.add_argument("--json", action="store_true", help="print the run's digest as JSON instead of a summary")
    p.set_defaults(run=run)


def _progress_factory() -> tuple[Callable[[str, int], Any] | None, Any]:
    """A rich progress bar on stderr, when stderr is a terminal, for logs of PROGRESS_MIN_BYTES or more.

    The bar moves once per ingest block (see ``PROGRESS_BLOCK_BYTES``); once a file is read, its
    line says that the audit goes on (tables, rules, reports), so a full bar never looks stuck.
    """
    if not sys.stderr.isatty():
        return None, None
    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, SpinnerColumn, TransferSpeedColumn

    bar = Progress(
        SpinnerColumn(),
        "[progress.description]{task.description}",
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        console=Console(stderr=True),
        transient=True,
    )

    def factory(name: str, size: int) -> Callable[[int, int], None] | None:
        if size < PROGRESS_MIN_BYTES:
            return None
        base = os.path.basename(name)
        task_id = bar.add_task(f"reading {base}", total=size)

        def update(done: int, total: int) -> None:
            bar.update(task_id, completed=done, total=total)
            if done >= total:
                bar.update(task_id, description=f"read {base}; auditing (tables, rules, reports)")

        return update

    return factory, bar


def print_figures(report: dict[str, Any]) -> None:
    """Print a session's figures the moment they are known (the rules take a few seconds more)."""
    from mmwatch.report.summary import figures_text

    print(figures_text(report), end="", flush=True)


def print_verdicts(outcome_sessions: list[Any]) -> None:
    from mmwatch.report.summary import verdict_text

    for s in outcome_sessions:
        print(f"session {s.session_id}")
        print(verdict_text(s.report, s.report_dir, s.published))


def run(args: argparse.Namespace) -> int:
    from mmwatch.ingest import InputError
    from mmwatch.store import StoreError

    settings = load_settings(db=args.db, out=args.out, publish_url=args.publish, fail_on=args.fail_on)
    use_prefect = args.prefect if args.prefect is not None else bool(os.environ.get("PREFECT_API_URL"))
    try:
        if use_prefect:
            from flows.audit_session import audit_session

            digest = audit_session(
                logs=list(args.logs),
                db=str(settings.db_path),
                out=str(settings.out_dir),
                publish=settings.publish_url,
                fail_on=settings.fail_on,
            )
            if args.json:
                import json

                print(json.dumps(digest, indent=2))
            else:
                for s in digest["sessions"]:
                    print(
                        f"{s['id']}: end={s['end']} failed rules={s['failed_rules'] or 'none'} "
                        f"report={s['report_dir']}/report.md"
                    )
            return int(digest["exit_code"])
        from flows.audit_session import audit_logs

        factory, bar = _progress_factory()
        if bar is not None:
            settings.read_block_bytes = min(settings.read_block_bytes, PROGRESS_BLOCK_BYTES)
            with bar:
                outcome = audit_logs(settings, args.logs, factory)
        else:
            outcome = audit_logs(settings, args.logs, on_figures=None if args.json else print_figures)
    except (InputError, StoreError) as exc:
        raise UsageError(str(exc)) from None
    if args.json:
        import json

        print(json.dumps(outcome.summary(), indent=2))
    elif bar is not None:  # the figures were not printed early: the bar owned the terminal
        from mmwatch.report.summary import summary_text

        for s in outcome.sessions:
            print(summary_text(s.report, s.report_dir, s.published))
    else:
        print_verdicts(outcome.sessions)
    return outcome.exit_code


__all__ = ["register", "run", "EXIT_USAGE"]
