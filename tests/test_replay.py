"""mmwatch replay: the stand-in bot writes what the recording holds and exits like market_maker."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

from mmwatch.ingest import pull_file
from mmwatch.replay import line_timestamp, parse_ts
from mmwatch.store import connect
from mmwatch.transform import build_audit_tables
from tests.conftest import fixture_log

MMWATCH = str(Path(sys.executable).parent / "mmwatch")


def replay(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([MMWATCH, "replay", *args], capture_output=True, text=True, timeout=60)


def session_end(log: Path, db: Path) -> str:
    con = connect(db)
    try:
        source_id = pull_file(con, log, final=True).source_id
        (session_id,) = build_audit_tables(con, [source_id])
        rows = con.execute('select "end" from session_summary where session_id = ?', [session_id]).fetchall()
        return rows[0][0]
    finally:
        con.close()


def test_replay_writes_the_recording_byte_for_byte(tmp_path: Path) -> None:
    src = fixture_log("2025-12-27_mm_0aca85a.log")
    out = tmp_path / "logs" / "mm.log"
    done = replay(str(src), "--log-file", str(out), "--speed", "0")
    assert done.returncode == 0, done.stderr
    assert out.read_bytes() == src.read_bytes()


def test_kill_switch_recording_exits_0_whatever_the_exit_code(tmp_path: Path) -> None:
    src = fixture_log("2025-12-28_mm_test2_d966775.log")  # ANSI, kill switch at l.1418, then shutdown
    out = tmp_path / "mm.log"
    done = replay(str(src), "--log-file", str(out), "--speed", "0", "--exit-code", "101")
    assert done.returncode == 0 and done.stderr == ""
    assert out.read_bytes() == src.read_bytes()


def test_panic_and_startup_error_exit_codes_and_stderr(tmp_path: Path) -> None:
    src = fixture_log("2025-12-30_mm_d50bb67.log")
    panic = replay(str(src), "--log-file", str(tmp_path / "a.log"), "--speed", "0", "--max-lines", "120",
                   "--exit-code", "101", "--message", "index out of bounds")
    assert panic.returncode == 101
    assert "panicked at" in panic.stderr and "index out of bounds" in panic.stderr
    assert (tmp_path / "a.log").read_bytes() == b"".join(src.read_bytes().splitlines(keepends=True)[:120])
    failed = replay(str(src), "--log-file", str(tmp_path / "b.log"), "--max-lines", "0", "--exit-code", "1",
                    "--message", "No private key provided")
    assert failed.returncode == 1 and failed.stderr.strip() == 'Error: "No private key provided"'
    assert (tmp_path / "b.log").read_bytes() == b""
    assert replay(str(tmp_path / "nope.log"), "--log-file", str(tmp_path / "c.log")).returncode == 2


def test_sigint_writes_the_bots_graceful_shutdown(tmp_path: Path) -> None:
    src = fixture_log("2025-12-30_mm_d50bb67.log")
    out = tmp_path / "mm.log"
    proc = subprocess.Popen([MMWATCH, "replay", str(src), "--log-file", str(out), "--speed", "50"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    while (not out.exists() or out.stat().st_size < 50_000) and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=30) == 0
    written = out.read_bytes()
    recorded = src.read_bytes()
    lines, rec_lines = written.splitlines(keepends=True), recorded.splitlines(keepends=True)
    k = next(i for i, (w, r) in enumerate(zip(lines, rec_lines, strict=False)) if w != r)
    replayed, added = b"".join(lines[:k]), [json.loads(x) for x in lines[k:]]
    assert recorded.startswith(replayed) and 0 < len(replayed) < len(recorded)  # a prefix, byte for byte
    assert len(added) == 10
    messages = [a["fields"]["message"] for a in added]
    assert messages[0] == "Shutdown signal received" and messages[-1] == "Market maker stopped."
    assert "=== GRACEFUL SHUTDOWN COMPLETE ===" in messages and "Kill switch was NOT triggered" in messages
    last_replayed = max(t for t in map(line_timestamp, replayed.splitlines()) if t is not None)
    stamps = [parse_ts(a["timestamp"]) for a in added]
    assert stamps == sorted(stamps) and stamps[0] > last_replayed
    assert (stamps[-1] - last_replayed).total_seconds() < 1
    assert session_end(out, tmp_path / "m.duckdb") == "graceful"
