"""Flow audit-session: a real flow run over a real log, and the plain-call path the CLI uses."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from flows.audit_session import audit_logs, audit_session
from mmwatch.config import SAMPLES_DIR, load_settings
from mmwatch.ingest import InputError
from tests.conftest import fixture_log


def test_flow_run_writes_reports(prefect_server: None, tmp_path: Path) -> None:
    log = fixture_log("2025-12-28_mm_test2_d966775.log")
    sample = SAMPLES_DIR / "mm_mainnet_BTC_2026-01-13_15-13-53.log"
    state = audit_session(logs=[str(log), str(sample)], db=str(tmp_path / "m.duckdb"),
                          out=str(tmp_path / "out"), return_state=True)
    digest = state.result()
    ends = {}
    for session in digest["sessions"]:
        report = json.loads((Path(session["report_dir"]) / "report.json").read_text())
        ends[Path(report["session"]["source"]).name] = report["session"]["end"]
        assert (Path(session["report_dir"]) / "report.html").exists()
    assert ends == {log.name: "kill_switch", sample.name: "graceful"}
    assert state.is_completed()
    # a task that takes the DuckDB connection must not try to hash it for a cache key: the run's
    # log in the UI would open on ERROR tracebacks ("cannot pickle DuckDBPyConnection")
    assert _error_logs(state.state_details.flow_run_id) == []


def _error_logs(flow_run_id) -> list[str]:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId, LogFilterLevel

    with get_client(sync_client=True) as client:
        logs = client.read_logs(log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[flow_run_id]),
                                                     level=LogFilterLevel(ge_=40)))
    return [entry.message[:200] for entry in logs]


def test_same_log_twice_duplicates_nothing(tmp_path: Path) -> None:
    import duckdb

    log = fixture_log("2025-12-27_mm_0aca85a.log")
    settings = load_settings(db=tmp_path / "m.duckdb", out=tmp_path / "out")
    first = audit_logs(settings, [log])
    second = audit_logs(settings, [log])
    assert [s.session_id for s in first.sessions] == [s.session_id for s in second.sessions]
    with duckdb.connect(str(settings.db_path), read_only=True) as con:
        assert con.execute("select count(*) from events").fetchall()[0][0] == 1181
        assert con.execute("select count(*) from fills").fetchall()[0][0] == 4
        assert con.execute("select count(*) from session_summary").fetchall()[0][0] == 1


@pytest.mark.parametrize("make, message", [
    (lambda d: d / "missing.log", "no such file"),
    (lambda d: d, "is a directory"),
    (lambda d: (d / "empty.log").write_bytes(b"") and d / "empty.log", "empty file"),
])
def test_bad_paths_are_clear_errors(tmp_path: Path, make, message: str) -> None:
    path = make(tmp_path) or tmp_path / "empty.log"
    with pytest.raises(InputError, match=message):
        audit_logs(load_settings(db=tmp_path / "m.duckdb", out=tmp_path / "out"), [path])
