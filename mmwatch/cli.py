"""``mmwatch``: the command line. Each sub-command lives in ``mmwatch/commands/<name>.py``.

Exit codes, for every command: 0 done, 1 the audit found failed rules at or above ``--fail-on``
(or, for ``publish``, objects still wait in the outbox), 2 bad usage or unreadable input (one clear
line on stderr, no traceback), 3 an internal error (a bug: the traceback is printed).
"""

from __future__ import annotations

import argparse
import importlib
import sys
import traceback
from collections.abc import Sequence

from pydantic import ValidationError

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3

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
    except ValidationError as exc:  # an MMWATCH_* variable or option with a bad value
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'value'}: {e['msg']}" for e in exc.errors())
        print(f"mmwatch {args.command}: invalid setting (MMWATCH_*): {problems}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print(f"mmwatch {args.command}: interrupted", file=sys.stderr)
        return 130
    except Exception:  # a bug, not bad input: keep the traceback, and an exit code unlike "findings"
        traceback.print_exc()
        print(f"mmwatch {args.command}: internal error (see the traceback above)", file=sys.stderr)
        return EXIT_INTERNAL


if __name__ == "__main__":  # `python -m mmwatch.cli`: use the importable module's names, not __main__'s
    from mmwatch.cli import main as _main

    sys.exit(_main())
