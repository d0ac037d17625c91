"""``mmwatch``: the command line. Each sub-command lives in ``mmwatch/commands/<name>.py``.

Exit codes, for every command: 0 done, 1 the audit found failed rules at or above ``--fail-on``
(or, for ``publish``, objects still wait in the outbox), 2 bad usage or unreadable input (one clear
line on stderr, no traceback), 3 an internal error (a bug: the traceback is printed). A full disk
(or a file size limit) is not a bug but the machine's state: exit 2 and one line naming the path.
"""

from __future__ import annotations

import argparse
import errno
import importlib
import signal
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


#: errno values of "the disk cannot take more bytes" (EFBIG: a file size limit, ``ulimit -f``).
DISK_FULL_ERRNOS = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)
_DISK_FULL_TEXT = ("No space left on device", "Disk quota exceeded", "File too large")


def disk_full_line(exc: BaseException) -> str | None:
    """The one line for a full disk met anywhere (Python file I/O or DuckDB), else ``None``."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:  # the OSError may be the cause of another error
        seen.add(id(exc))
        if isinstance(exc, OSError) and exc.errno in DISK_FULL_ERRNOS:
            where = exc.filename or "a file (path not reported by the system call)"
            return f"{where}: {exc.strerror or errno.errorcode.get(exc.errno or 0, exc)}"
        if type(exc).__module__.startswith("duckdb") and any(t in str(exc) for t in _DISK_FULL_TEXT):
            return " ".join(str(exc).split())  # DuckDB names the file in its message
        exc = exc.__cause__ or exc.__context__  # type: ignore[assignment]
    return None


def validation_line(exc: ValidationError) -> str:
    """Pydantic's errors on one line: ``name: problem`` (a check of the whole settings names its
    setting in its message), without pydantic's "Value error," prefix."""
    problems = []
    for e in exc.errors():
        where = ".".join(map(str, e["loc"]))
        msg = " ".join(str(e["msg"]).removeprefix("Value error, ").split())
        problems.append(f"{where}: {msg}" if where and not msg.startswith(where) else msg)
    return "; ".join(problems)

def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mmwatch", description="Supervise and audit the market_maker bot.")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMANDS:
        importlib.import_module(f"mmwatch.commands.{name}").register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if hasattr(signal, "SIGXFSZ"):  # a file size limit: let the write fail with EFBIG (handled below)
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    try:
        return int(args.run(args))
    except UsageError as exc:
        print(f"mmwatch {args.command}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except ValidationError as exc:  # an MMWATCH_* variable or option with a bad value
        print(f"mmwatch {args.command}: invalid setting: {validation_line(exc)}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print(f"mmwatch {args.command}: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug, not bad input: keep the traceback, and an exit code unlike "findings"
        full = disk_full_line(exc)
        if full is not None:
            print(f"mmwatch {args.command}: disk full: {full}", file=sys.stderr)
            return EXIT_USAGE
        traceback.print_exc()
        print(f"mmwatch {args.command}: internal error (see the traceback above)", file=sys.stderr)
        return EXIT_INTERNAL


if __name__ == "__main__":  # `python -m mmwatch.cli`: use the importable module's names, not __main__'s
    from mmwatch.cli import main as _main

    sys.exit(_main())
