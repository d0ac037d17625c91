"""Flow pull-logs and mmwatch.ingest: every line exactly once, whatever happens to the file or the process."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from flows.pull_logs import pull_logs
from mmwatch.ingest import pull_file
from mmwatch.store import connect
from tests.conftest import ROOT, fixture_log

MMWATCH = [str(Path(sys.executable).parent / "mmwatch")]  # the installed console script


def line_starts(data: bytes) -> list[int]:
    """Byte offsets of the non-blank lines of ``data`` (what the store must hold, once each)."""
    starts, pos = [], 0
    for line in data.splitlines(keepends=True):
        if line.strip():
            starts.append(pos)
        pos += len(line)
    return starts


def stored_offsets(con: duckdb.DuckDBPyConnection, source_id: str) -> list[int]:
    rows = con.execute(
        "select byte_offset from events where source_id = ? union all "
        "select byte_offset from other_lines where source_id = ? order by 1", [source_id, source_id]
    ).fetchall()
    return [r[0] for r in rows]


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*MMWATCH, *args], capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)


@pytest.mark.slow
def test_kill_9_midway_then_pull_again_loads_each_line_once(tmp_path: Path) -> None:
    big = tmp_path / "big.log"
    parts = [fixture_log("2025-12-28_mm_634c97b.log").read_bytes(),
             fixture_log("2025-12-28_mm_test2_d966775.log").read_bytes()]  # ANSI + continuation lines
    big.write_bytes(b"".join(parts))
    db = tmp_path / "m.duckdb"
    env = {**os.environ, "MMWATCH_READ_BLOCK_BYTES": str(16 * 1024)}  # ~200 blocks, one transaction each
    proc = subprocess.Popen([*MMWATCH, "pull", str(big), "--db", str(db), "--no-prefect"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    wal = Path(str(db) + ".wal")
    deadline = time.monotonic() + 60
    # kill once a few hundred KiB of rows are committed (the WAL grows at each commit)
    while proc.poll() is None and time.monotonic() < deadline:
        if wal.exists() and wal.stat().st_size > 100_000:
            break
        time.sleep(0.005)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL, "the pull finished before it could be killed"

    size = big.stat().st_size
    with duckdb.connect(str(db)) as con:
        ((offset, lines),) = con.execute("select committed_offset, committed_lines from sources").fetchall()
        (source_id,) = con.execute("select source_id from sources").fetchall()[0]
        assert 0 < offset < size  # killed midway
        # what is committed is exactly the lines before the committed offset
        assert stored_offsets(con, source_id) == [s for s in line_starts(big.read_bytes()) if s < offset]

    done = cli("pull", str(big), "--db", str(db), "--no-prefect", "--json")  # default block size
    assert done.returncode == 0, done.stderr
    digest = json.loads(done.stdout)
    assert digest["files"][0]["source_id"] == source_id and not digest["files"][0]["new_source"]
    assert digest["files"][0]["bytes_read"] == size - offset
    with duckdb.connect(str(db), read_only=True) as con:
        assert stored_offsets(con, source_id) == line_starts(big.read_bytes())
        ((n_lines, committed),) = con.execute(
            "select committed_lines, committed_offset from sources").fetchall()
        assert committed == size and n_lines == big.read_bytes().count(b"\n")
        # line numbers continue across the crash: 1..N, each once
        nos = con.execute("select line_no from events union all select line_no from other_lines "
                          "order by 1").fetchall()
        assert len(nos) == len({n for (n,) in nos})


def test_partial_last_line_is_loaded_once_and_whole(tmp_path: Path) -> None:
    src = fixture_log("2025-12-27_mm_0aca85a.log").read_bytes().splitlines(keepends=True)
    log = tmp_path / "live.log"
    head, cut_line = b"".join(src[:40]), src[40]
    log.write_bytes(head + cut_line[:37])
    con = connect(tmp_path / "m.duckdb")
    first = pull_file(con, log)
    assert (first.events, first.held_back, first.committed_offset) == (40, 37, len(head))
    with log.open("ab") as fh:
        fh.write(cut_line[37:] + src[41])
    second = pull_file(con, log)
    assert (second.events, second.held_back, second.bytes_read) == (2, 0, len(cut_line) + len(src[41]))
    rows = con.execute("select byte_offset, line_no, fields from events where byte_offset = ?",
                       [len(head)]).fetchall()
    assert len(rows) == 1 and rows[0][1] == 41
    assert json.loads(rows[0][2]) == json.loads(cut_line)["fields"]
    assert stored_offsets(con, first.source_id) == line_starts(log.read_bytes())
    # a final pull keeps an unfinished last line as a truncated "other" line, once
    with log.open("ab") as fh:
        fh.write(src[42][:20])
    last = pull_file(con, log, final=True)
    assert (last.events, last.other, last.held_back) == (0, 1, 0)
    assert con.execute("select reason from other_lines").fetchall() == [("truncated",)]
    assert pull_file(con, log, final=True).bytes_read == 0
    con.close()


def test_truncated_and_rewritten_file_is_a_new_source(tmp_path: Path) -> None:
    a = fixture_log("2025-12-27_mm_0aca85a.log").read_bytes().splitlines(keepends=True)
    b = fixture_log("2025-12-29_mm_6804739.log").read_bytes().splitlines(keepends=True)
    log = tmp_path / "mm.log"
    con = connect(tmp_path / "m.duckdb")
    log.write_bytes(b"".join(a[:300]))
    first = pull_file(con, log)
    # the bot restarted: File::create truncates, a shorter new session is written
    log.write_bytes(b"".join(b[:50]))
    second = pull_file(con, log)
    assert second.new_source and second.source_id != first.source_id and second.events == 50
    # rewritten with the same first lines but different ones where the last pull stopped, and longer
    log.write_bytes(b"".join(a[:100] + b[:400]))
    assert log.stat().st_size > first.committed_offset
    third = pull_file(con, log)
    assert third.new_source and third.source_id not in (first.source_id, second.source_id)
    assert third.events == 500
    counts = dict(con.execute("select source_id, count(*) from events group by 1").fetchall())
    assert counts == {first.source_id: 300, second.source_id: 50, third.source_id: 500}
    con.close()


def test_rotated_file_is_followed_and_a_copy_is_a_new_source(tmp_path: Path) -> None:
    lines = fixture_log("2025-12-27_mm_0aca85a.log").read_bytes().splitlines(keepends=True)
    log = tmp_path / "mm.log"
    log.write_bytes(b"".join(lines[:500]))
    con = connect(tmp_path / "m.duckdb")
    first = pull_file(con, log)
    with log.open("ab") as fh:
        fh.write(b"".join(lines[500:600]))
    rotated = tmp_path / "mm.log.1"
    log.rename(rotated)  # rotation: renamed, then it grows no more
    after = pull_file(con, rotated)
    assert (after.source_id, after.new_source, after.events) == (first.source_id, False, 100)
    # a copy next to its original is a second file with the same content, not a rename
    copy = tmp_path / "copy.log"
    shutil.copyfile(rotated, copy)
    dup = pull_file(con, copy)
    assert dup.new_source and dup.source_id != first.source_id and dup.events == 600
    assert con.execute("select path from sources where source_id = ?", [first.source_id]).fetchall() == [
        (str(rotated.resolve()),)]
    con.close()


def test_glob_picks_up_new_files_and_sources_lists_sessions(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    shutil.copyfile(fixture_log("2025-12-27_mm_0aca85a.log"), logs / "a.log")
    db = str(tmp_path / "m.duckdb")
    first = cli("pull", str(logs / "*.log"), "--db", db, "--no-prefect", "--json")
    assert first.returncode == 0, first.stderr
    shutil.copyfile(fixture_log("2025-12-29_mm_6804739.log"), logs / "b.log")
    second = json.loads(cli("pull", str(logs / "*.log"), "--db", db, "--no-prefect", "--json").stdout)
    by_name = {Path(f["path"]).name: f for f in second["files"]}
    assert by_name["a.log"]["bytes_read"] == 0 and not by_name["a.log"]["new_source"]
    assert by_name["b.log"]["new_source"] and by_name["b.log"]["events"] == 505
    listing = cli("sources", "--db", db, "--json")
    assert listing.returncode == 0, listing.stderr
    sources = {Path(s["path"]).name: s for s in json.loads(listing.stdout)}
    assert sources["a.log"]["events"] == 1181
    assert sources["a.log"]["offset"] == (logs / "a.log").stat().st_size
    assert len(sources["a.log"]["sessions"]) == 1 and len(sources["b.log"]["sessions"]) == 1
    missing = cli("pull", str(tmp_path / "missing.log"), str(logs / "*.log"), "--db", db, "--no-prefect")
    assert missing.returncode == 2 and missing.stderr.strip().endswith("missing.log: no such file")


def test_flow_run_pulls_only_new_bytes(prefect_server: None, tmp_path: Path) -> None:
    lines = fixture_log("2025-12-29_mm_6804739.log").read_bytes().splitlines(keepends=True)
    log = tmp_path / "mm.log"
    log.write_bytes(b"".join(lines[:200]))
    db = str(tmp_path / "m.duckdb")
    assert pull_logs(paths=[str(tmp_path / "*.log")], db=db)["events"] == 200
    with log.open("ab") as fh:
        fh.write(b"".join(lines[200:]))
    state = pull_logs(paths=[str(tmp_path / "*.log")], db=db, return_state=True)
    digest = state.result()
    assert digest["events"] == len(lines) - 200
    assert digest["bytes_read"] == sum(len(x) for x in lines[200:])
    assert state.is_completed()
