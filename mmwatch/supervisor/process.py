"""The bot as a child process: its own log path per run, stderr kept, a graceful stop.

The child runs in its own session, so a Ctrl+C meant for mmwatch does not reach it directly:
mmwatch forwards SIGINT itself (the bot's graceful shutdown, log_format.md §3.19), waits, and only
then uses SIGKILL. ``{log_file}`` in the command is replaced by the run's log path; a command
without it has its stdout written to that path instead (``--log-format json`` to stdout).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import IO

PLACEHOLDER = "{log_file}"
STDERR_TAIL_CHARS = 4000


class CommandError(ValueError):
    """The bot command cannot be started (empty, or its program is not found)."""


def resolve_program(name: str) -> str | None:
    """The program's path: on PATH, or next to this Python (a worker started as .venv/bin/prefect)."""
    found = shutil.which(name)
    if found is None and os.sep not in name:
        sibling = Path(sys.executable).parent / name
        found = str(sibling) if sibling.is_file() and os.access(sibling, os.X_OK) else None
    return found


def check_command(command: Sequence[str]) -> None:
    if not command:
        raise CommandError("no bot command given (put it after --)")
    if resolve_program(command[0]) is None:
        raise CommandError(f"{command[0]}: command not found")


class BotProcess:
    def __init__(self, command: Sequence[str], log_file: Path, stderr_file: Path) -> None:
        self.uses_placeholder = any(PLACEHOLDER in arg for arg in command)
        self.args = [arg.replace(PLACEHOLDER, str(log_file)) for arg in command]
        self.args[0] = resolve_program(self.args[0]) or self.args[0]
        self.log_file = log_file
        self.stderr_file = stderr_file
        self.proc: subprocess.Popen[bytes] | None = None
        self._files: list[IO[bytes]] = []

    def start(self) -> None:
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        err = self.stderr_file.open("wb")
        out = subprocess.DEVNULL if self.uses_placeholder else self.log_file.open("wb")
        self._files = [err] + ([] if out is subprocess.DEVNULL else [out])  # type: ignore[list-item]
        self.proc = subprocess.Popen(self.args, stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                                     start_new_session=True)

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc else None

    def poll(self) -> int | None:
        assert self.proc is not None
        code = self.proc.poll()
        if code is not None:
            self._close()
        return code

    def interrupt(self) -> None:
        """SIGINT: the bot's graceful shutdown (Ctrl+C)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()

    def stderr_tail(self) -> str:
        try:
            data = self.stderr_file.read_bytes()
        except OSError:
            return ""
        return data[-STDERR_TAIL_CHARS:].decode("utf-8", "replace").strip()

    def _close(self) -> None:
        for fh in self._files:
            fh.close()
        self._files = []
