"""One bad line never costs a file: each case of the red-team corpus (``tests/redteam.py``) is
reproduced and shown handled: the line stored under its reason, the rest of the file loaded, every
non-empty line accounted for; unreadable files refused with exit 2 and one line; an audit of a log
still being written keeps no torn line; a second audit waits for the store lock.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from mmwatch.ingest import pull_file, show_unfinished_line
from mmwatch.store import connect
from tests import redteam
from tests.conftest import ROOT

MMWATCH = str(ROOT / ".venv" / "bin" / "mmwatch") if (ROOT / ".venv" / "bin" / "mmwatch").exists() \
    else str(Path(sys.executable).parent / "mmwatch")


def _run(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MMWATCH_DATA_DOCS": "false"}
    env.pop("PREFECT_API_URL", None)
    return subprocess.run([MMWATCH, *args, "--no-prefect"], capture_output=True, text=True, timeout=timeout,
                          env=env, cwd=ROOT)


def _counts(con: duckdb.DuckDBPyConnection, source_id: str) -> tuple[int, dict[str, int]]:
    (events,) = con.execute("select count(*) from events where source_id = ?", [source_id]).fetchall()[0]
    reasons = dict(con.execute("select reason, count(*) from other_lines where source_id = ? group by reason",
                               [source_id]).fetchall())
    return events, reasons


@pytest.mark.parametrize("case", sorted(redteam.LINE_CASES))
def test_bad_line_is_kept_aside_and_the_file_loads(case: str, tmp_path: Path) -> None:
    make, reason = redteam.LINE_CASES[case]
    good = redteam.sample_lines()
    data = redteam.embed([make()], good)
    log = tmp_path / f"{case}.log"
    log.write_bytes(data)
    con = connect(tmp_path / "m.duckdb")
    try:
        pull = pull_file(con, log, final=True)
        events, reasons = _counts(con, pull.source_id)
        # the bad line is where it was written, once
        where = con.execute(
            "select line_no from other_lines where source_id = ? union all "
            "select line_no from events where source_id = ? and ts_raw like '9999%'",
            [pull.source_id, pull.source_id],
        ).fetchall()
    finally:
        con.close()
    assert pull.committed_offset == len(data) and pull.held_back == 0
    if reason is None:
        assert (events, reasons) == (len(good) + 1, {})
    else:
        assert (events, reasons) == (len(good), {reason: 1})
    assert events + sum(reasons.values()) == redteam.non_empty_lines(data)
    assert len(where) == 1 and 1 < where[0][0] < len(good)


def test_too_long_line_keeps_a_capped_raw_and_its_length(tmp_path: Path) -> None:
    bad = redteam.line_50mb()
    log = tmp_path / "long.log"
    log.write_bytes(redteam.embed([bad]))
    con = connect(tmp_path / "m.duckdb")
    try:
        pull_file(con, log, final=True, block_bytes=4 * redteam.MB)  # the line spans many blocks
        ((byte_len, raw_len, preview),) = con.execute(
            "select byte_len, octet_length(raw), preview from other_lines").fetchall()
    finally:
        con.close()
    assert byte_len == len(bad) and raw_len == 64 * 1024 and len(preview) == 500
    assert preview.startswith('{"timestamp":"2026-01-13T22:14:30.000001Z"')


@pytest.mark.parametrize("case", sorted(set(redteam.FILE_CASES) - {"zeros_no_newline", "bom_start"}))
def test_unreadable_file_is_refused_with_one_line(case: str, tmp_path: Path) -> None:
    log = tmp_path / f"{case}.log"
    code, text = redteam.FILE_CASES[case](log)
    started = time.monotonic()
    proc = _run("audit", str(log), "--db", str(tmp_path / "m.duckdb"), "--out", str(tmp_path / "out"),
                timeout=60)
    assert time.monotonic() - started < 30  # refused before reading: a FIFO or /dev/zero never hangs
    assert proc.returncode == code, proc.stderr
    assert proc.stderr.strip().splitlines() == [proc.stderr.strip()] and text in proc.stderr
    assert "Traceback" not in proc.stderr and proc.stdout == ""
    pull = _run("pull", str(log), "--db", str(tmp_path / "m.duckdb"), timeout=60)
    assert pull.returncode == 2 and text in pull.stderr


def test_a_gigabyte_of_zeros_without_newline_keeps_memory_bounded(tmp_path: Path) -> None:
    log = tmp_path / "zeros.log"
    code, text = redteam.write_zeros_no_newline(log)
    db = tmp_path / "m.duckdb"
    # a fresh parent whose only child is the pull: its RUSAGE_CHILDREN peak is the pull's own
    meter = ("import json, resource, subprocess, sys; p = subprocess.run(sys.argv[1:], capture_output=True, "
             "text=True); print(json.dumps([p.returncode, p.stdout, p.stderr, "
             "resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss]))")
    out = subprocess.run([sys.executable, "-c", meter, MMWATCH, "pull", str(log), "--db", str(db), "--json",
                          "--no-prefect"], capture_output=True, text=True, timeout=300, cwd=ROOT)
    returncode, stdout, stderr, peak_kb = json.loads(out.stdout)
    assert returncode == 0, stderr
    digest = json.loads(stdout)["files"][0]
    # not final: nothing committed, the whole unfinished line held back (and accounted for)
    assert (digest["committed_offset"], digest["held_back"], digest["other"]) == (0, 1024 * redteam.MB, 0)
    assert peak_kb / 1024 < 400, f"peak RSS {peak_kb / 1024:.0f} MB for 1 GB without a newline"
    audit = _run("audit", str(log), "--db", str(db), "--out", str(tmp_path / "out"))
    assert audit.returncode == code and text in audit.stderr, audit.stderr
    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute("select reason, byte_len, octet_length(raw) from other_lines").fetchall()
    assert rows == [("too_long", 1024 * redteam.MB, 64 * 1024)]


def test_bom_at_the_start_does_not_turn_the_first_event_into_console(tmp_path: Path) -> None:
    log = tmp_path / "bom.log"
    redteam.write_bom_start(log)
    con = connect(tmp_path / "m.duckdb")
    try:
        pull = pull_file(con, log, final=True)
        events, reasons = _counts(con, pull.source_id)
        first = con.execute("select line_no, message from events order by line_no limit 1").fetchall()
    finally:
        con.close()
    assert (events, reasons) == (200, {})
    assert first == [(1, "Standard validator perp (cross margin supported)")]


def test_audit_of_a_growing_log_keeps_no_torn_line(tmp_path: Path) -> None:
    """The audit shows the unfinished last line, commits nothing of it; once finished it is one event."""
    good = redteam.sample_lines(300)
    last = good[-1]
    log = tmp_path / "growing.log"
    log.write_bytes(b"\n".join(good[:-1]) + b"\n" + last[:50])  # the bot is writing its last line
    db = tmp_path / "m.duckdb"
    con = connect(db)
    try:
        pull = pull_file(con, log, final=False)
        assert show_unfinished_line(con, log, pull) == 1
        shown = _counts(con, pull.source_id)
        ((offset,),) = con.execute("select committed_offset from sources").fetchall()
        with log.open("ab") as fh:
            fh.write(last[50:] + b"\n")
        again = pull_file(con, log, final=False)
        after = _counts(con, pull.source_id)
    finally:
        con.close()
    assert shown == (299, {"truncated": 1}) and offset == pull.committed_offset < log.stat().st_size
    assert again.events == 1 and after == (300, {})  # the torn row is gone, the line loaded once

    # the same through `mmwatch audit`: the torn line is counted in that audit, then replaced
    log2 = tmp_path / "growing2.log"
    log2.write_bytes(b"\n".join(good[:-1]) + b"\n" + last[:50])
    first = _run("audit", str(log2), "--db", str(tmp_path / "a.duckdb"), "--out", str(tmp_path / "out"))
    assert first.returncode in (0, 1), first.stderr
    with log2.open("ab") as fh:
        fh.write(last[50:] + b"\n")
    second = _run("audit", str(log2), "--db", str(tmp_path / "a.duckdb"), "--out", str(tmp_path / "out"))
    assert second.returncode in (0, 1), second.stderr
    with duckdb.connect(str(tmp_path / "a.duckdb"), read_only=True) as c:
        assert c.execute("select count(*) from events").fetchall() == [(300,)]
        assert c.execute("select count(*) from other_lines").fetchall() == [(0,)]


def test_second_audit_waits_for_the_store_lock(tmp_path: Path) -> None:
    db = tmp_path / "m.duckdb"
    connect(db).close()
    log = tmp_path / "a.log"
    log.write_bytes(b"\n".join(redteam.sample_lines(300)) + b"\n")
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); "
         "print('locked', flush=True); time.sleep(4); c.close()", str(db)],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        started = time.monotonic()
        proc = _run("audit", str(log), "--db", str(db), "--out", str(tmp_path / "out"))
        waited = time.monotonic() - started
    finally:
        holder.wait(timeout=30)
    assert proc.returncode in (0, 1), proc.stderr
    assert "waiting for the lock on" in proc.stderr and waited >= 3


def test_audit_of_every_bad_line_at_once(tmp_path: Path) -> None:
    """The Done-when case: every bad line mixed into real sample lines, through the real command."""
    bad = [make() for make, _ in redteam.LINE_CASES.values()]
    data = b"\xef\xbb\xbf" + redteam.embed(bad) + redteam.sample_lines(601)[-1][:60]  # BOM, torn end
    log = tmp_path / "everything.log"
    log.write_bytes(data)
    db = tmp_path / "m.duckdb"
    proc = _run("audit", str(log), "--db", str(db), "--out", str(tmp_path / "out"))
    assert proc.returncode in (0, 1), proc.stderr
    assert "Traceback" not in proc.stderr
    (report_dir,) = [p for p in (tmp_path / "out").iterdir() if p.is_dir()]
    report = json.loads((report_dir / "report.json").read_text(encoding="utf-8"))
    with duckdb.connect(str(db), read_only=True) as con:
        (events,) = con.execute("select count(*) from events").fetchall()[0]
        reasons = dict(con.execute("select reason, count(*) from other_lines group by reason").fetchall())
    expected: dict[str, int] = {"truncated": 1}
    for _, reason in redteam.LINE_CASES.values():
        if reason is not None:
            expected[reason] = expected.get(reason, 0) + 1
    assert reasons == expected
    assert events + sum(reasons.values()) == redteam.non_empty_lines(data)
    assert report["lines"]["total"] == redteam.non_empty_lines(data)
