"""Shared fixtures: one Prefect test server per session, the real bot logs, a fresh DuckDB file."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT.parent / "shared" / "fixtures" / "hyper_make_logs"

os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_CLIENT_MAX_RETRIES", "10")


def pytest_configure(config: pytest.Config) -> None:
    """The January sample is generated, not kept in git (`make samples`): write it when missing, so
    `pytest` alone works too."""
    sample = ROOT / "samples" / "mm_mainnet_BTC_2026-01-13_15-13-53.log"
    if not sample.exists():
        from tests.jan_log import write_jan_log

        write_jan_log(sample)


def fixture_log(name: str) -> Path:
    """A real log of the bot from ../shared (tests may read it; the product never does)."""
    path = FIXTURES / name
    if not path.exists():
        pytest.skip(f"fixture {name} not found in {FIXTURES}")
    return path


@pytest.fixture(scope="session")
def prefect_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """One temporary Prefect server for every test that runs a real flow (startup ~17 s)."""
    os.environ["PREFECT_HOME"] = str(tmp_path_factory.mktemp("prefect_home"))
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=180):
        yield


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """One moto S3 server over HTTP on 127.0.0.1 for the test session (tests.servers.moto_s3)."""
    from tests.servers import moto_s3

    with moto_s3() as endpoint:
        yield endpoint


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "mmwatch.duckdb"
