"""The bot as a child process: its own log path per run, stderr kept, a graceful stop.

The child runs in its own session, so a Ctrl+C meant for mmwatch does not reach it directly:
mmwatch forwards SIGINT itself (the bot's graceful shutdown, log_format.md §3.19), waits, and only
then uses SIGKILL. Every signal goes to the bot's whole process group (its session leader's pid),
as a terminal's Ctrl+C would: a process the bot forked (a helper, a shell pipeline) stops with it,
and whatever of the group outlives the bot is ended by ``end_group`` (SIGTERM, then SIGKILL), so
no orphan keeps trading or holding the exchange connection while the next run starts.
``{log_file}`` in the command is replaced by the run's log path; a command
without it has its stdout written to that path instead (``--log-format json`` to stdout).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import IO

PLACEHOLDER = "{log_file}"
STDERR_TAIL_CHARS = 4000
#: How long the rest of the group gets after SIGTERM before SIGKILL, once the bot itself exited.
GROUP_GRACE_S = 2.0


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

    def _signal_group(self, sig: int) -> bool:
        """``sig`` to the bot's process group; ``False`` when no process of the group is left."""
        if self.proc is None:
            return False
        try:
            os.killpg(self.proc.pid, sig)  # start_new_session: the group id is the bot's pid
        except ProcessLookupError:
            return False
        except PermissionError:  # a member changed user: signal the bot itself at least
            if self.proc.poll() is None:
                self.proc.send_signal(sig)
        return True

    def interrupt(self) -> None:
        """SIGINT to the bot and its children: the bot's graceful shutdown (Ctrl+C)."""
        if self.proc is not None and self.proc.poll() is None:
            self._signal_group(signal.SIGINT)

    def kill(self) -> None:
        """SIGKILL to the whole group, the bot's forked children included."""
        if self.proc is not None:
            self._signal_group(signal.SIGKILL)

    def group_alive(self) -> bool:
        return self._signal_group(0)

    def end_group(self, grace_s: float = GROUP_GRACE_S) -> bool:
        """After the bot exited: SIGTERM what is left of its group, SIGKILL after ``grace_s``.

        Returns whether anything was left. Called at the end of every run (a crash leaves
        children as much as a stop does).
        """
        if not self.group_alive():
            return False
        self._signal_group(signal.SIGTERM)
        deadline = time.monotonic() + grace_s
        while self.group_alive() and time.monotonic() < deadline:
            time.sleep(0.05)
        self._signal_group(signal.SIGKILL)
        return True

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
