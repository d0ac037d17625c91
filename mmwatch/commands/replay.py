"""``mmwatch replay LOG --log-file PATH [--speed X] [--exit-code N] [--max-lines N] [--message TEXT]``.

A stand-in bot (``mmwatch.replay``) for rehearsing and testing supervision: it writes a recorded log
into PATH at the recording's pace (scaled by --speed), stops gracefully on SIGINT/SIGTERM, and exits
like the bot would (0 after a kill switch or a signal, --exit-code otherwise).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from mmwatch.cli import UsageError


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("replay", help="stand-in bot: replay a recorded log into a log file")
    p.add_argument("log", metavar="LOG", help="recorded bot log to replay")
    p.add_argument("--log-file", required=True, metavar="PATH", help="where to write (truncated first)")
    p.add_argument("--speed", type=float, default=1.0,
                   help="pace factor over the recorded timing (default 1; 0 = as fast as possible)")
    p.add_argument("--exit-code", type=int, default=0,
                   help="exit code at the end of the recording (101 = panic, 1 = start-up error)")
    p.add_argument("--max-lines", type=int, metavar="N", help="stop after N lines (a crash mid-session)")
    p.add_argument("--message", help="text of the panic or of the Error: line on stderr")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from mmwatch.replay import ReplayError, replay

    try:
        result = replay(Path(args.log), Path(args.log_file), speed=args.speed, exit_code=args.exit_code,
                        max_lines=args.max_lines, message=args.message)
    except (ReplayError, OSError) as exc:
        raise UsageError(str(exc)) from None
    return result.exit_code
