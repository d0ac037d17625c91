"""How a bot run ended, and whether to start it again.

The bot exits 0 for a signal stop *and* for a kill switch (log_format.md §4): only its log tells the
two apart. A kill switch must never be undone by a restart, nor an operator's stop; a crash or a
start-up failure (often transient: network, exchange) is retried with exponential backoff, a
bounded number of times.
"""

from __future__ import annotations

import signal
from enum import StrEnum


class RunEnd(StrEnum):
    GRACEFUL = "graceful_stop"         # exit 0, stopped by someone else (or WS closed, dry run)
    OPERATOR_STOP = "operator_stop"    # we asked it to stop (SIGTERM/SIGINT to mmwatch, flow cancelled)
    KILL_SWITCH = "kill_switch"        # its log holds KILL SWITCH TRIGGERED
    CRASH = "crash"                    # panic (101), killed by a signal, other non-zero codes
    STARTUP_FAILURE = "startup_failure"  # exit 1 (`Error: "..."` on stderr) or 2 (bad arguments)


RESTARTABLE = frozenset({RunEnd.CRASH, RunEnd.STARTUP_FAILURE})


def classify_end(exit_code: int, kill_switch_logged: bool, stop_requested: bool) -> RunEnd:
    """The run's end from its exit code (negative: killed by that signal) and what its log said."""
    if kill_switch_logged:
        return RunEnd.KILL_SWITCH
    if stop_requested:
        return RunEnd.OPERATOR_STOP
    if exit_code == 0:
        return RunEnd.GRACEFUL
    if exit_code in (1, 2):
        return RunEnd.STARTUP_FAILURE
    return RunEnd.CRASH


def describe_exit(exit_code: int) -> str:
    """``exit 101 (panic)``, ``killed by SIGKILL`` ..."""
    if exit_code < 0:
        try:
            return f"killed by {signal.Signals(-exit_code).name}"
        except ValueError:
            return f"killed by signal {-exit_code}"
    meaning = {0: "clean", 1: "start-up error", 2: "bad arguments", 101: "panic"}.get(exit_code)
    if meaning is None and exit_code > 128:
        try:
            meaning = f"signal {signal.Signals(exit_code - 128).name}"
        except ValueError:
            meaning = None
    return f"exit {exit_code}" + (f" ({meaning})" if meaning else "")


def restart_delay(restarts_done: int, base_s: float, max_s: float) -> float:
    """Seconds to wait before restart number ``restarts_done + 1``: base, 2×base, 4×base ... capped."""
    return min(base_s * (2 ** restarts_done), max_s)


def should_restart(end: RunEnd, restarts_done: int, max_restarts: int) -> bool:
    return end in RESTARTABLE and restarts_done < max_restarts


def stderr_headline(stderr: str) -> str | None:
    """The telling line of the bot's stderr: ``Error: "..."``, the panic message, or the last line."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    for line in lines:
        if line.startswith("Error:"):
            return line
    for i, line in enumerate(lines):
        if "panicked at" in line:
            message = lines[i + 1] if i + 1 < len(lines) and not lines[i + 1].startswith("note:") else ""
            return f"{line} {message}".strip()
    return lines[-1] if lines else None
