"""Flow audit-new-sessions: audits what was never audited or changed since, and nothing else."""

from __future__ import annotations

from pathlib import Path

from flows.audit_new_sessions import audit_new_sessions, unaudited_sources
from mmwatch.config import load_settings
from mmwatch.ingest import pull_paths
from tests.conftest import fixture_log


def test_nightly_flow_audits_new_sessions_once(prefect_server: None, tmp_path: Path) -> None:
    lines = fixture_log("2025-12-27_mm_0aca85a.log").read_bytes().splitlines(keepends=True)
    log = tmp_path / "logs" / "mm.log"
    log.parent.mkdir()
    log.write_bytes(b"".join(lines[:600]) + lines[600][:30])  # a bot still writing: a partial last line
    settings = load_settings(db=tmp_path / "m.duckdb", out=tmp_path / "out")
    state = audit_new_sessions(paths=[str(tmp_path / "logs" / "*.log")], db=str(settings.db_path),
                               out=str(settings.out_dir), return_state=True)
    digest = state.result()
    (audited,) = digest["audited"]
    assert audited["events"] == 600 and audited["events_audited_before"] == 0
    (session,) = audited["sessions"]
    assert Path(session["report_dir"], "report.json").exists()
    assert unaudited_sources(settings) == []  # audited and unchanged: nothing to do next night
    # the bot wrote more (the partial line was held back, not audited as a truncated line)
    with log.open("ab") as fh:
        fh.write(lines[600][30:] + b"".join(lines[601:]))
    pull_paths(settings.db_path, [log])
    ((source_id, path, events, before),) = unaudited_sources(settings)
    assert (events, before, path) == (len(lines), 600, str(log.resolve()))
    assert state.is_completed()
