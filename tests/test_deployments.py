"""prefect.yaml: `prefect deploy --all` against a real Prefect server; a deployment run through a worker."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT, fixture_log

PREFECT = str(Path(sys.executable).parent / "prefect")
EXPECTED = {
    "audit-session/audit-session": "flows/audit_session.py:audit_session",
    "pull-logs/pull-logs": "flows/pull_logs.py:pull_logs",
    "audit-new-sessions/nightly-audit": "flows/audit_new_sessions.py:audit_new_sessions",
    "supervise-bot/supervise-bot": "flows/supervise_bot.py:supervise_bot",
}


def test_prefect_yaml_is_flat_and_complete() -> None:
    spec = yaml.safe_load((ROOT / "prefect.yaml").read_text())
    assert spec["prefect-version"] == "3.9.1"
    entrypoints = {d["entrypoint"] for d in spec["deployments"]}
    assert entrypoints == set(EXPECTED.values())
    for d in spec["deployments"]:
        path, func = d["entrypoint"].split(":")
        assert f"def {func}(" in (ROOT / path).read_text()
        assert d["work_pool"]["name"] == "mmwatch-pool"
    by_name = {d["name"]: d for d in spec["deployments"]}
    assert "interval" in by_name["pull-logs"]["schedules"][0]
    assert by_name["nightly-audit"]["schedules"][0]["cron"] == "0 2 * * *"
    assert "schedules" not in by_name["supervise-bot"] and "schedules" not in by_name["audit-session"]


@pytest.mark.slow
def test_deploy_all_then_a_worker_runs_a_deployment(prefect_server: None, tmp_path: Path) -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterId, FlowRunFilter
    from prefect.settings import PREFECT_API_URL

    env = {**os.environ, "PREFECT_API_URL": PREFECT_API_URL.value(), "PREFECT_WORKER_QUERY_SECONDS": "1"}
    with get_client(sync_client=True) as client:
        client.create_work_pool(WorkPoolCreate(name="mmwatch-pool", type="process"), overwrite=True)
    deploy = subprocess.run([PREFECT, "--no-prompt", "deploy", "--all"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=180)
    assert deploy.returncode == 0, deploy.stdout + deploy.stderr

    log = fixture_log("2025-12-29_mm_6804739.log")
    db = tmp_path / "m.duckdb"
    with get_client(sync_client=True) as client:
        deployments = {}
        for name in EXPECTED:
            d = client.read_deployment_by_name(name)
            deployments[name] = d
            assert d.entrypoint == EXPECTED[name] and d.work_pool_name == "mmwatch-pool"
            workdir = {"prefect.deployments.steps.set_working_directory": {"directory": str(ROOT)}}
            assert d.pull_steps == [workdir]
        assert len(deployments["pull-logs/pull-logs"].schedules) == 1
        # keep the scheduled deployments out of the worker's way: pause them, drop their scheduled runs
        ids = [d.id for d in deployments.values()]
        for d in deployments.values():
            client.pause_deployment(d.id)
        for run in client.read_flow_runs(deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=ids))):
            client.delete_flow_run(run.id)
        run = client.create_flow_run_from_deployment(
            deployments["pull-logs/pull-logs"].id, parameters={"paths": [str(log)], "db": str(db)})

    worker = subprocess.run([PREFECT, "worker", "start", "--pool", "mmwatch-pool", "--run-once"],
                            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=240)
    assert worker.returncode == 0, worker.stdout[-3000:] + worker.stderr[-3000:]
    with get_client(sync_client=True) as client:
        finished = client.read_flow_run(run.id)
        assert client.read_flow_runs(flow_run_filter=FlowRunFilter(id={"any_": [run.id]}))[0].id == run.id
    import duckdb

    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("select events from sources").fetchall() == [(505,)]
    assert finished.state is not None and finished.state.is_completed(), finished.state
