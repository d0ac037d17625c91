"""``mmwatch``: the command line. Each sub-command lives in ``mmwatch/commands/<name>.py``.

Exit codes, for every command: 0 done, 1 the audit found failed rules at or above ``--fail-on``,
2 bad usage or unreadable input (one clear line on stderr, no traceback).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2

#: Sub-commands, in the order ``mmwatch --help`` lists them. Each module has ``register(subparsers)``
#: adding its parser with ``set_defaults(run=<function(args) -> int>)``.
COMMANDS = ("audit", "pull", "sources", "publish", "supervise", "replay")


class UsageError(Exception):
    """Bad input the user can fix; printed as one line, exit code 2."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mmwatch", description="Supervise and audit the market_maker bot.")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMANDS:
        importlib.import_module(f"mmwatch.commands.{name}").register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.run(args))
    except UsageError as exc:
        print(f"mmwatch {args.command}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print(f"mmwatch {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
