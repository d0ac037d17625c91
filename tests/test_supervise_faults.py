"""Supervise edge cases: the bot's forked children end with it; ``--json`` keeps stdout pure JSON.

The stand-in bots are small Python scripts run as real processes: one forks children (one of them
deaf to SIGINT and SIGTERM) and writes their pids to a file, then sleeps or exits.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mmwatch.config import load_settings
from mmwatch.supervisor import SuperviseOptions, supervise
from mmwatch.supervisor.runner import StopRequest
from tests.conftest import ROOT

MMWATCH = str(ROOT / ".venv" / "bin" / "mmwatch")
SAMPLE = ROOT / "samples" / "mm_hip3_hyna_HYPE_hip3_2026-03-13_09-00-00.log"

#: argv: pid file, then "sleep" (the bot lives until stopped) or "exit" (it crashes, children stay)
FORKING_BOT = """
import os, signal, sys, time
pids = []
for deaf in (False, True):
    pid = os.fork()
    if pid == 0:
        if deaf:  # a child that ignores the polite signals: only SIGKILL ends it
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
        time.sleep(120)
        os._exit(0)
    pids.append(pid)
with open(sys.argv[1] + ".part", "w") as fh:
    fh.write(" ".join(map(str, pids)))
os.rename(sys.argv[1] + ".part", sys.argv[1])
print(open(sys.argv[3]).readline(), end="", flush=True)  # one real bot line as the run's log
if sys.argv[2] == "exit":
    sys.exit(101)
time.sleep(120)
"""


def gone(pid: int) -> bool:
    """The process no longer runs (absent, or a zombie waiting for its new parent to reap it)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return True
    return state in ("Z", "X")


def wait_for(path: Path, seconds: float = 20) -> list[int]:
    deadline = time.monotonic() + seconds
    while not path.exists():
        assert time.monotonic() < deadline, "the stand-in bot did not start its children"
        time.sleep(0.05)
    return [int(p) for p in path.read_text().split()]


@pytest.fixture
def bot_script(tmp_path: Path) -> Path:
    script = tmp_path / "forking_bot.py"
    script.write_text(FORKING_BOT)
    return script


def test_stop_ends_the_bots_forked_children(tmp_path: Path, bot_script: Path) -> None:
    pids_file = tmp_path / "children"
    settings = load_settings(log_dir=tmp_path / "logs", db=tmp_path / "m.duckdb", out=tmp_path / "out",
                             pull_every_s=0.2, shutdown_timeout_s=5)
    stop = StopRequest()
    children: list[int] = []

    def log(line: str) -> None:
        if "started pid" in line:
            children.extend(wait_for(pids_file))
            stop.set("test")

    command = [sys.executable, str(bot_script), str(pids_file), "sleep", str(SAMPLE)]
    try:
        outcome = supervise(settings, SuperviseOptions(command=command, audit=False), stop=stop, log=log)
        (run,) = outcome.runs
        assert run.end == "operator_stop" and len(children) == 2
        assert "KeyboardInterrupt" in run.stderr  # the bot itself got SIGINT first (graceful)
        assert all(gone(pid) for pid in children), [Path(f"/proc/{p}/stat").read_text() for p in children
                                                    if not gone(p)]
    finally:
        for pid in children:  # never leave a sleeper behind, even when the test fails
            if not gone(pid):
                os.kill(pid, 9)


def test_children_of_a_crashed_bot_do_not_outlive_the_run(tmp_path: Path, bot_script: Path) -> None:
    pids_file = tmp_path / "children"
    settings = load_settings(log_dir=tmp_path / "logs", db=tmp_path / "m.duckdb", out=tmp_path / "out",
                             pull_every_s=0.2, max_restarts=0)
    lines: list[str] = []
    command = [sys.executable, str(bot_script), str(pids_file), "exit", str(SAMPLE)]
    children: list[int] = []
    try:
        outcome = supervise(settings, SuperviseOptions(command=command, audit=False), log=lines.append)
        children = wait_for(pids_file, 0)
        (run,) = outcome.runs
        assert run.end == "crash" and run.exit_code == 101
        assert all(gone(pid) for pid in children)
        assert any("still running after it exited: ended" in line for line in lines)
    finally:
        for pid in children:
            if not gone(pid):
                os.kill(pid, 9)


def test_supervise_json_prints_only_json_on_stdout(tmp_path: Path) -> None:
    line = SAMPLE.open(encoding="utf-8").readline()
    bot = [sys.executable, "-c", f"print({line.strip()!r})"]  # one real line on stdout, exit 0
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    done = subprocess.run(
        [MMWATCH, "supervise", "--log-dir", str(tmp_path / "logs"), "--db", str(tmp_path / "m.duckdb"),
         "--out", str(tmp_path / "out"), "--pull-every", "0.2", "--no-prefect", "--no-audit", "--json",
         "--", *bot],
        capture_output=True, text=True, env=env, timeout=60)
    summary = json.loads(done.stdout)  # the whole of stdout, nothing before or after
    assert done.returncode == summary["exit_code"]
    (run,) = summary["runs"]
    assert Path(run["log_file"]).read_text() == line
    assert "run 1: started pid" in done.stderr and f"run 1: {run['end']} (" in done.stderr
