"""``mmwatch supervise [options] -- COMMAND ARGS...``: run the bot under supervision.

``{log_file}`` in the command is replaced by a fresh log path per run in --log-dir. While the bot
runs, its log is pulled every --pull-every seconds and the live rules alert within one interval;
when it exits the run is classified, audited, and restarted (crash, start-up failure) or not (kill
switch, stop). SIGTERM or Ctrl+C to mmwatch stops the bot gracefully first. With PREFECT_API_URL
set (or --prefect) this is a flow run of ``supervise-bot``.

With --json, stdout carries the JSON summary and nothing else: every progress line (ours, the
audit's, Prefect's) goes to stderr, so ``mmwatch supervise --json ... | jq`` works.

Exit code: 0 the bot was stopped or stopped cleanly; 1 kill switch, restart limit reached, or the
audit found failed rules at or above --fail-on; 2 bad usage.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from typing import Any

from mmwatch.cli import UsageError
from mmwatch.config import SEVERITIES, Settings, load_settings


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("supervise", help="run the bot, pull its log live, alert, restart or not",
                              usage="mmwatch supervise [options] -- COMMAND ARGS...")
    p.add_argument("--log-dir", help="folder of the per-run bot logs (default .mmwatch/logs)")
    p.add_argument("--db", help="DuckDB file (default .mmwatch/mmwatch.duckdb, env MMWATCH_DB)")
    p.add_argument("--out", help="report and alert folder (default .mmwatch/reports, env MMWATCH_OUT)")
    p.add_argument("--publish", metavar="URL", help="s3://bucket/prefix or file:///path for the reports")
    p.add_argument("--pull-every", type=float, metavar="S", help="seconds between live pulls (default 5)")
    p.add_argument("--max-restarts", type=int, metavar="N", help="restarts after crashes (default 3)")
    p.add_argument("--stale-after", type=float, metavar="S",
                   help="alert when the log is quiet this long (120)")
    p.add_argument("--backoff", type=float, metavar="S", help="first restart delay, doubled each time (5)")
    p.add_argument("--shutdown-timeout", type=float, metavar="S",
                   help="graceful stop wait before SIGKILL (30)")
    p.add_argument("--fail-on", choices=SEVERITIES,
                   help="exit 1 when an audit found a failed rule this severe")
    p.add_argument("--no-audit", dest="audit", action="store_false",
                   help="do not audit each run at its end (audit later: mmwatch audit / the nightly flow)")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--prefect", dest="prefect", action="store_true", default=None,
                      help="run as a Prefect flow run (default when PREFECT_API_URL is set)")
    mode.add_argument("--no-prefect", dest="prefect", action="store_false", help="run as plain calls")
    p.add_argument("--json", action="store_true", help="print the runs as JSON at the end")
    p.add_argument("bot_command", nargs=argparse.REMAINDER, metavar="COMMAND",
                   help="the bot command, after --")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    from mmwatch.store import StoreError
    from mmwatch.supervisor.process import CommandError, check_command

    command = list(args.bot_command)
    if command and command[0] == "--":
        command = command[1:]
    try:
        check_command(command)
        settings = load_settings(log_dir=args.log_dir, db=args.db, out=args.out, publish_url=args.publish,
                                 pull_every_s=args.pull_every, max_restarts=args.max_restarts,
                                 stale_after_s=args.stale_after, restart_backoff_s=args.backoff,
                                 shutdown_timeout_s=args.shutdown_timeout, fail_on=args.fail_on)
    except CommandError as exc:
        raise UsageError(str(exc)) from None
    except ValidationError as exc:
        first = exc.errors()[0]
        raise UsageError(f"{first['loc'][0]}: {first['msg']}") from None
    use_prefect = args.prefect if args.prefect is not None else bool(os.environ.get("PREFECT_API_URL"))
    # --json: stdout is for the summary only; text printed while supervising goes to stderr
    quiet = contextlib.redirect_stdout(sys.stderr) if args.json else contextlib.nullcontext()
    try:
        with quiet:
            summary = _supervise(args, command, settings, use_prefect)
    except StoreError as exc:
        raise UsageError(str(exc)) from None
    if args.json:
        print(json.dumps(summary, indent=2))
    return int(summary["exit_code"]) if isinstance(summary, dict) else 0


def _supervise(args: argparse.Namespace, command: list[str], settings: Settings, use_prefect: bool) -> Any:
    if use_prefect:
        from flows.supervise_bot import run_summary, supervise_bot
        from mmwatch.commands.prefect_api import run_flow

        # run_flow: an API that is down is one line and exit 2 (suggesting --no-prefect), not a traceback
        state = run_flow(lambda: supervise_bot(
            command=command, log_dir=str(settings.log_dir_path), db=str(settings.db_path),
            out=str(settings.out_dir), publish=settings.publish_url, pull_every=settings.pull_every_s,
            max_restarts=settings.max_restarts, stale_after=settings.stale_after_s,
            backoff=settings.restart_backoff_s, shutdown_timeout=settings.shutdown_timeout_s,
            audit=args.audit, fail_on=settings.fail_on, return_state=True))
        return run_summary(state)  # a run cancelled from the UI ends Cancelled, with its summary
    from mmwatch.supervisor import SuperviseOptions, supervise

    # print() looked up at call time: inside redirect_stdout it writes to stderr
    return supervise(settings, SuperviseOptions(command=command, audit=args.audit),
                     log=lambda line: print(line, flush=True)).summary()
