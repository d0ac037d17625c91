"""Flow supervise-bot: a real stand-in bot (``mmwatch replay``) supervised live, stopped, restarted or not."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import duckdb
import pytest

from flows.supervise_bot import run_summary, supervise_bot
from mmwatch.config import load_settings
from mmwatch.supervisor import SuperviseOptions, supervise
from mmwatch.supervisor.policy import RunEnd, classify_end, restart_delay, should_restart
from mmwatch.supervisor.runner import StopRequest
from tests.conftest import fixture_log

MMWATCH = str(Path(sys.executable).parent / "mmwatch")


def bot(log: Path, *args: str) -> list[str]:
    """The stand-in bot's command line, as an operator would give it to mmwatch supervise."""
    return [MMWATCH, "replay", str(log), "--log-file", "{log_file}", *args]


@pytest.fixture
def webhook() -> Iterator[tuple[str, list[tuple[float, dict[str, Any]]]]]:
    """A real HTTP receiver on 127.0.0.1 recording (arrival time, JSON body) of each POST."""
    received: list[tuple[float, dict[str, Any]]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((time.time(), json.loads(body)))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hook", received
    server.shutdown()


def alerts_in(out: Path) -> dict[str, dict[str, Any]]:
    return {p.stem: json.loads(p.read_text()) for p in sorted((out / "live_alerts").glob("*.json"))}


def ts(text: str) -> float:
    return datetime.fromisoformat(text).timestamp()


@pytest.mark.slow
def test_live_alerts_arrive_while_the_bot_runs(tmp_path: Path, webhook: tuple[str, list]) -> None:
    url, received = webhook
    log = fixture_log("2025-12-30_mm_d50bb67.log")  # 24 untracked fills from 11.6 of 15.7 minutes
    env = {**os.environ, "MMWATCH_ALERT_WEBHOOK_URL": url}
    done = subprocess.run(
        [MMWATCH, "supervise", "--log-dir", str(tmp_path / "logs"), "--db", str(tmp_path / "m.duckdb"),
         "--out", str(tmp_path / "out"), "--pull-every", "0.3", "--no-prefect", "--no-audit", "--json", "--",
         *bot(log, "--speed", "150")],
        capture_output=True, text=True, env=env, timeout=120)
    summary = json.loads(done.stdout[done.stdout.index("{\n"):])
    assert done.returncode == summary["exit_code"], done.stderr
    (run,) = summary["runs"]
    assert run["end"] == RunEnd.GRACEFUL and run["exit_code"] == 0  # the recording stops itself, exit 0
    assert Path(run["log_file"]).read_bytes() == log.read_bytes()
    alerts = alerts_in(tmp_path / "out")
    untracked = next(a for a in alerts.values() if a["rule_id"] == "FILL-UNTRACKED")
    assert ts(untracked["detected_at"]) < ts(run["ended_at"])  # live: before the bot exited
    first = untracked["evidence"][0]
    assert first["line_no"] == 9209 and "Untracked order filled" in first["text"]
    assert untracked["delivery"] == "webhook 200"
    hooked = [body for _, body in received if body.get("alert", {}).get("rule_id") == "FILL-UNTRACKED"]
    assert len(hooked) == 1 and hooked[0]["text"].startswith("[HIGH] Untracked order filled")
    assert {a["rule_id"] for a in alerts.values()} == {"FILL-UNTRACKED", "BOT-STOPPED"}  # each once
    with duckdb.connect(str(tmp_path / "m.duckdb"), read_only=True) as con:
        rows = con.execute(
            "select rule_id, run_no, severity from live_alerts order by detected_at").fetchall()
        assert rows == [("FILL-UNTRACKED", 1, "high"), ("BOT-STOPPED", 1, "high")]
        # every line pulled live, once, up to the last one
        untracked_lines = "select count(*) from events where message like '[Fill] Untracked%'"
        assert con.execute(untracked_lines).fetchall() == [(24,)]
        assert con.execute("select committed_offset from sources").fetchall() == [(log.stat().st_size,)]


def test_kill_switch_run_is_not_restarted(tmp_path: Path) -> None:
    log = fixture_log("2025-12-28_mm_test2_d966775.log")  # ANSI; KILL SWITCH TRIGGERED at l.1418, exit 0
    settings = load_settings(log_dir=tmp_path / "logs", db=tmp_path / "m.duckdb", out=tmp_path / "out",
                             pull_every_s=0.2, max_restarts=3, restart_backoff_s=0.1)
    outcome = supervise(settings, SuperviseOptions(command=bot(log, "--speed", "0"), audit=False),
                        log=lambda _: None)
    (run,) = outcome.runs
    assert (run.end, run.exit_code, run.restart_in_s) == ("kill_switch", 0, None)
    assert outcome.exit_code == 1
    kill = [a for a in alerts_in(tmp_path / "out").values() if a["rule_id"] == "KILL-SWITCH"]
    assert len(kill) == 1 and kill[0]["severity"] == "critical"
    assert kill[0]["evidence"][0]["line_no"] == 1418


def test_cancelling_the_flow_run_stops_the_bot_and_audits(prefect_server: None, tmp_path: Path) -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterName
    from prefect.states import Cancelling

    log = fixture_log("2025-12-30_mm_d50bb67.log")
    logs = tmp_path / "logs"

    def cancel_when_running() -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            written = list(logs.glob("*.log")) if logs.exists() else []
            if written and written[0].stat().st_size > 30_000:
                break
            time.sleep(0.1)
        with get_client(sync_client=True) as client:
            (run,) = client.read_flow_runs(flow_run_filter=FlowRunFilter(name=FlowRunFilterName(any_=[name])))
            client.set_flow_run_state(run.id, Cancelling(), force=True)

    name = f"supervise-{tmp_path.name}"
    canceller = threading.Thread(target=cancel_when_running, daemon=True)
    canceller.start()
    state = supervise_bot.with_options(flow_run_name=name)(
        command=bot(log, "--speed", "5"), log_dir=str(logs), db=str(tmp_path / "m.duckdb"),
        out=str(tmp_path / "out"), pull_every=0.3, return_state=True)
    canceller.join(timeout=5)
    summary = run_summary(state)
    (run,) = summary["runs"]
    assert run["end"] == "operator_stop" and run["exit_code"] == 0 and summary["stopped_by_operator"]
    tail = Path(run["log_file"]).read_bytes().splitlines()[-1]
    assert json.loads(tail)["fields"]["message"] == "Market maker stopped."  # the bot's graceful shutdown
    report = json.loads((Path(run["reports"][0]) / "report.json").read_text())
    assert report["session"]["end"] == "graceful"
    assert state.is_cancelled()


def test_crash_is_restarted_with_backoff_up_to_the_limit(tmp_path: Path) -> None:
    log = fixture_log("2025-12-30_mm_d50bb67.log")
    settings = load_settings(log_dir=tmp_path / "logs", db=tmp_path / "m.duckdb", out=tmp_path / "out",
                             pull_every_s=0.2, max_restarts=2, restart_backoff_s=0.2)
    command = bot(log, "--speed", "0", "--max-lines", "150", "--exit-code", "101", "--message", "boom")
    # the post-run audit is covered by the other tests; here only the restart policy counts
    outcome = supervise(settings, SuperviseOptions(command=command, audit=False), log=lambda _: None)
    assert [r.end for r in outcome.runs] == ["crash"] * 3
    assert [r.exit_code for r in outcome.runs] == [101] * 3
    assert [r.restart_in_s for r in outcome.runs] == [0.2, 0.4, None]  # doubled, then the limit
    assert len({r.log_file for r in outcome.runs}) == 3  # a fresh log per run
    assert outcome.exit_code == 1 and not outcome.stopped_by_operator
    crashes = [a for a in outcome.runs[0].alerts if a["rule_id"] == "BOT-CRASH"]
    assert len(crashes) == 1 and "boom" in crashes[0]["summary"] and "panicked" in crashes[0]["stderr"]
    assert [a["rule_id"] for a in outcome.runs[-1].alerts][-1] == "BOT-RESTART-LIMIT"


def test_startup_failure_shows_the_error_and_is_retried(tmp_path: Path) -> None:
    log = fixture_log("2025-12-30_mm_d50bb67.log")
    settings = load_settings(log_dir=tmp_path / "logs", db=tmp_path / "m.duckdb", out=tmp_path / "out",
                             pull_every_s=0.2, max_restarts=1, restart_backoff_s=0.1)
    command = bot(log, "--max-lines", "0", "--exit-code", "1", "--message", "No private key provided")
    outcome = supervise(settings, SuperviseOptions(command=command), log=lambda _: None)
    assert [r.end for r in outcome.runs] == ["startup_failure"] * 2
    first = outcome.runs[0]
    assert first.stderr == 'Error: "No private key provided"' and first.audit_error == "the bot wrote no log"
    (alert,) = [a for a in first.alerts if a["rule_id"] == "BOT-STARTUP-FAILURE"]
    said = 'market_maker ended with exit 1 (start-up error): Error: "No private key provided"'
    assert alert["summary"] == said


def test_quiet_log_alerts_and_a_stop_request_stops_the_bot(tmp_path: Path) -> None:
    settings = load_settings(log_dir=tmp_path / "logs", db=tmp_path / "m.duckdb", out=tmp_path / "out",
                             pull_every_s=0.2, stale_after_s=0.6, shutdown_timeout_s=10)
    stop = StopRequest()
    # a bot that lives but writes nothing (no {log_file}: its stdout is the run's log)
    command = [sys.executable, "-c", "import time; time.sleep(60)"]
    outcome = supervise(settings, SuperviseOptions(command=command), stop=stop,
                        log=lambda line: stop.set("test") if "LOG-STALE" in line else None)
    (run,) = outcome.runs
    assert run.end == "operator_stop" and outcome.stopped_by_operator
    assert run.exit_code != 0 and "KeyboardInterrupt" in run.stderr  # it got SIGINT, not SIGKILL
    assert [a["rule_id"] for a in run.alerts] == ["LOG-STALE"]


@pytest.mark.slow
def test_sigterm_to_mmwatch_stops_the_bot_gracefully(tmp_path: Path) -> None:
    log = fixture_log("2025-12-30_mm_d50bb67.log")
    logs = tmp_path / "logs"
    proc = subprocess.Popen(
        [MMWATCH, "supervise", "--log-dir", str(logs), "--db", str(tmp_path / "m.duckdb"),
         "--out", str(tmp_path / "out"), "--pull-every", "0.3", "--no-prefect", "--no-audit", "--json", "--",
         *bot(log, "--speed", "5")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        written = list(logs.glob("*.log")) if logs.exists() else []
        if written and written[0].stat().st_size > 30_000:
            break
        time.sleep(0.1)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=60)
    summary = json.loads(out)
    (run,) = summary["runs"]
    assert run["end"] == "operator_stop" and run["exit_code"] == 0 and summary["stopped_by_operator"]
    assert "stopping the bot (SIGINT), reason: SIGTERM received" in err  # --json: only JSON on stdout
    tail = Path(run["log_file"]).read_bytes().splitlines()[-1]
    assert json.loads(tail)["fields"]["message"] == "Market maker stopped."
    with duckdb.connect(str(tmp_path / "m.duckdb"), read_only=True) as con:  # pulled to the last line
        assert con.execute("select committed_offset from sources").fetchall() == [
            (Path(run["log_file"]).stat().st_size,)]
    assert proc.returncode == summary["exit_code"] == 0


def test_restart_policy() -> None:
    assert classify_end(0, kill_switch_logged=True, stop_requested=False) is RunEnd.KILL_SWITCH
    assert classify_end(0, kill_switch_logged=False, stop_requested=True) is RunEnd.OPERATOR_STOP
    assert classify_end(101, False, False) is RunEnd.CRASH
    assert classify_end(-9, False, False) is RunEnd.CRASH
    assert classify_end(1, False, False) is RunEnd.STARTUP_FAILURE
    assert not should_restart(RunEnd.KILL_SWITCH, 0, 5) and not should_restart(RunEnd.OPERATOR_STOP, 0, 5)
    assert should_restart(RunEnd.CRASH, 4, 5) and not should_restart(RunEnd.CRASH, 5, 5)
    assert [restart_delay(n, 5, 30) for n in range(4)] == [5, 10, 20, 30]
