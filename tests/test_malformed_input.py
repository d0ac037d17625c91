"""Damaged and unusual input: clear one-line errors for unreadable paths, nothing lost inside a file,
and one session per bot run in a restarted (appended) log.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from mmwatch.cli import main
from mmwatch.ingest import pull_file
from mmwatch.store import connect
from mmwatch.transform import build_audit_tables
from tests.conftest import ROOT, fixture_log
from tests.jan_log import JanSession, jan_log_lines

MB = 1024 * 1024


@pytest.fixture(autouse=True)
def _quick_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MMWATCH_DATA_DOCS", "false")
    monkeypatch.delenv("PREFECT_API_URL", raising=False)


def _cli(args: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    rc = main(
        ["audit", *args, "--db", str(tmp_path / "m.duckdb"), "--out", str(tmp_path / "out"), "--no-prefect"]
    )
    captured = capsys.readouterr()
    return rc, captured.out, captured.err


def _file(content: bytes, name: str):  # noqa: ANN202 - a path maker for the table below
    def make(d: Path) -> Path:
        (d / name).write_bytes(content)
        return d / name

    return make


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda d: d / "missing.log", "missing.log: no such file"),
        (lambda d: d, "is a directory, not a log file"),
        (_file(b"", "empty.log"), "empty.log: empty file (0 bytes)"),
        (_file(b"\n\n  \n", "blank.log"), "blank.log: no bot log events found"),
        (_file(b"hello\nworld\n", "noise.log"), "noise.log: no bot log events found (2 other lines kept"),
    ],
)
def test_unreadable_input_is_one_clear_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], make, message: str
) -> None:
    target = tmp_path / "in"
    target.mkdir()
    rc, out, err = _cli([str(make(target))], tmp_path, capsys)
    assert rc == 2
    assert err.count("\n") == 1 and err.startswith("mmwatch audit: ") and message in err, err
    assert "Traceback" not in err + out


def test_bad_path_in_a_subprocess(tmp_path: Path) -> None:
    """The installed entry point: exit code 2, one line on stderr, no traceback, nothing on stdout."""
    proc = _mmwatch("audit", str(tmp_path / "nope.log"), "--db", str(tmp_path / "m.duckdb"))
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [f"mmwatch audit: {tmp_path / 'nope.log'}: no such file"]
    assert proc.stdout == ""


def _damaged_log(path: Path) -> dict[str, int]:
    """A January log with damage in it; returns the non-event lines expected per reason."""
    good = jan_log_lines()[:400]
    big_event = json.dumps(
        {
            "timestamp": "2026-01-13T22:14:30.000001Z",
            "level": "DEBUG",
            "fields": {"message": "Prometheus metrics snapshot", "prometheus_output": "x" * MB},
            "target": "hyperliquid_rust_sdk::market_maker",
        },
        separators=(",", ":"),
    )
    parts: list[bytes] = [line.encode() for line in good[:100]]
    parts += [
        b"\x00\x00\x00" + good[100].encode(),  # NUL bytes (a crash of the writer)
        good[101].encode()[:-40] + b"\xff\xfe invalid utf-8 \xc3",  # invalid UTF-8
        big_event.encode(),  # a 1 MB JSON event
        b"z" * MB,  # a 1 MB line of noise
        b'{"timestamp":"2026-01-13T22:14:31.000000Z","level":"INFO","fields":{"message":"cut',  # broken JSON
        b'{"not":"an event"}',  # JSON, but no tracing event
        b"",
        b"   ",  # a whitespace-only line: kept as `blank` (an empty line is not a line)
        good[102].encode() + b"\r",
    ]  # CRLF line ending
    parts += [line.encode() for line in good[103:]]
    parts.append(jan_log_lines()[400].encode()[:-25])  # torn last line, no newline
    path.write_bytes(b"\n".join(parts))
    return {
        "nul_byte": 1,
        "invalid_utf8": 1,
        "console": 1,
        "malformed_json": 1,
        "json_not_event": 1,
        "truncated": 1,
        "blank": 1,
    }


def _mmwatch(*args: str) -> subprocess.CompletedProcess[str]:
    exe = ROOT / ".venv" / "bin" / "mmwatch"
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "mmwatch.cli"]
    env = {**os.environ, "MMWATCH_DATA_DOCS": "false"}
    env.pop("PREFECT_API_URL", None)
    return subprocess.run([*cmd, *args, "--no-prefect"], capture_output=True, text=True, timeout=300, env=env)


def test_damaged_lines_are_kept_and_counted(tmp_path: Path) -> None:
    """The real entry point (a subprocess: the audit's log output goes to a real stderr)."""
    log = tmp_path / "damaged.log"
    expected_other = _damaged_log(log)
    non_empty = sum(1 for line in log.read_bytes().split(b"\n") if line.rstrip(b"\r"))
    proc = _mmwatch("audit", str(log), "--db", str(tmp_path / "m.duckdb"), "--out", str(tmp_path / "out"))
    assert proc.returncode in (0, 1), proc.stderr  # 1 = rules failed (the seed's crossed mid, ...)
    assert "Traceback" not in proc.stderr and "lines " in proc.stdout
    with duckdb.connect(str(tmp_path / "m.duckdb"), read_only=True) as con:
        (events,) = con.execute("select count(*) from events").fetchall()[0]
        reasons = dict(con.execute("select reason, count(*) from other_lines group by reason").fetchall())
        big = con.execute(
            "select length(fields) from events where message = 'Prometheus metrics snapshot'"
        ).fetchall()
        crlf = con.execute(
            "select count(*) from events where ts_raw like '%\r%' or message like '%\r'"
        ).fetchall()
        raw_ok = con.execute("select bool_and(byte_len = octet_length(raw)) from other_lines").fetchall()[0][
            0
        ]
    assert reasons == expected_other
    assert events + sum(reasons.values()) == non_empty  # nothing lost, nothing twice
    assert events == 400 - 2 + 1 - 0  # 400 good lines minus the NUL and UTF-8 ones, plus the 1 MB event
    assert big and big[0][0] > MB and crlf == [(0,)] and raw_ok
    (report_dir,) = [p for p in (tmp_path / "out").iterdir() if p.is_dir()]
    report = json.loads((report_dir / "report.json").read_text(encoding="utf-8"))
    assert report["lines"]["total"] == non_empty and report["lines"]["other_by_reason"] == expected_other
    assert report["session"]["end"] == "abrupt"
    assert (
        "other (blank 1, console 1, invalid_utf8 1, json_not_event 1, malformed_json 1, nul_byte 1, "
        "truncated 1)"
        in (report_dir / "report.md").read_text(encoding="utf-8")
    )


def test_console_capture_with_two_runs_gives_two_sessions(tmp_path: Path) -> None:
    """``tee -a`` appends: a console capture can hold several runs, each its own session."""
    first = fixture_log("2025-12-27_mm_0aca85a.log").read_bytes()  # ends `Market maker stopped.`
    second = fixture_log("2025-12-28_mm_live_d966775.log").read_bytes()  # cargo lines, then JSON
    header = second.split(b"\n{", 1)[0] + b"\n"  # the 3 console lines
    log = tmp_path / "mm.log.console"
    log.write_bytes(header + first + second)
    con = connect(tmp_path / "m.duckdb")
    try:
        pull = pull_file(con, log, final=True)
        sessions = build_audit_tables(con, [pull.source_id])
        rows = con.execute(
            'select session_no, lines_events, lines_other, "end", fills_total from session_summary '
            "order by session_no"
        ).fetchall()
    finally:
        con.close()
    assert len(sessions) == 2
    assert rows == [(1, 1181, 3, "graceful", 4), (2, 756, 3, "abrupt", 1)]


def test_crashed_run_then_restart_gives_two_sessions(tmp_path: Path) -> None:
    """No `Market maker stopped.` between two January runs: the start lines split them."""
    crashed = jan_log_lines()[:300]
    restart = jan_log_lines(
        JanSession(
            seed=2,
            start=datetime(2026, 1, 13, 22, 40, 0, tzinfo=UTC),
            end=datetime(2026, 1, 13, 22, 50, 0, tzinfo=UTC),
            warn_error_total=900,
        )
    )
    log = tmp_path / "mm_mainnet_BTC_2026-01-13_15-13-53.log"
    log.write_text("\n".join(crashed + restart) + "\n", encoding="utf-8")
    con = connect(tmp_path / "m.duckdb")
    try:
        sessions = build_audit_tables(con, [pull_file(con, log, final=True).source_id])
        rows = con.execute(
            'select lines_events, "end", started_at from session_summary order by session_no'
        ).fetchall()
    finally:
        con.close()
    assert len(sessions) == 2
    assert rows[0][:2] == (300, "abrupt") and rows[1][:2] == (len(restart), "graceful")
    assert rows[1][2].startswith("2026-01-13T22:40:00.")


def test_progress_bar_for_a_large_log_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """``mmwatch audit`` on a terminal: a bar per large log that moves per block, none for small logs."""
    import io

    from mmwatch.commands import audit

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr(sys, "stderr", Terminal())
    factory, bar = audit._progress_factory()
    assert factory is not None and bar is not None
    assert factory("small.log", audit.PROGRESS_MIN_BYTES - 1) is None
    size = 3 * audit.PROGRESS_BLOCK_BYTES + 5
    update = factory("/logs/big.log", size)
    assert update is not None
    with bar:
        update(audit.PROGRESS_BLOCK_BYTES, size)
        (task,) = bar.tasks
        assert (task.completed, task.total, task.description) == (
            audit.PROGRESS_BLOCK_BYTES,
            size,
            "reading big.log",
        )
        update(size, size)
        assert task.finished and "auditing" in task.description


def test_progress_bar_absent_without_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    from mmwatch.commands import audit

    monkeypatch.setattr(sys, "stderr", io.StringIO())  # stderr redirected to a file or a pipe
    assert audit._progress_factory() == (None, None)
