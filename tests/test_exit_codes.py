"""The exit-code contract of the real ``mmwatch`` command (issue 17): 0 done, 1 findings, 2 bad usage
or input (exactly one line on stderr, no traceback), 3 a bug.

Every setting is checked before any log is read: a bad one leaves no store, no report folder and no
directory behind. A Prefect API that does not answer is bad usage too (one line, ``--no-prefect``
suggested). Alerts a configured channel refused are printed on stderr, and ``--json`` carries each
session's digest with the delivery state of its alerts.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from mmwatch.config import SEVERITIES
from tests.conftest import ROOT
from tests.servers import webhook_receiver

MMWATCH = str(ROOT / ".venv" / "bin" / "mmwatch") if (ROOT / ".venv" / "bin" / "mmwatch").exists() \
    else str(Path(sys.executable).parent / "mmwatch")
SAMPLE = ROOT / "samples" / "mm_mainnet_BTC_2026-01-13_15-13-53.log"


def closed_port() -> int:
    """A port on 127.0.0.1 nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def mmwatch(cwd: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """The real command in ``cwd``, with no Prefect API and no alert channel unless ``env`` sets one."""
    base = {k: v for k, v in os.environ.items()
            if not k.startswith(("MMWATCH_", "PREFECT_API_URL")) and k != "AWS_ENDPOINT_URL"}
    return subprocess.run([MMWATCH, *args], capture_output=True, text=True, timeout=300, cwd=cwd,
                          env={**base, "MMWATCH_DATA_DOCS": "false", **env})


def tree(folder: Path) -> set[Path]:
    return {p.relative_to(folder) for p in folder.rglob("*")}


def assert_one_line(done: subprocess.CompletedProcess[str], *needles: str) -> str:
    """Exit 2 with exactly one stderr line containing every needle, no traceback, nothing on stdout."""
    lines = done.stderr.splitlines()
    assert done.returncode == 2, done.stderr
    assert len(lines) == 1, done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """An empty working folder holding one copy of the sample log (so `.mmwatch/` would show up)."""
    (tmp_path / SAMPLE.name).write_bytes(SAMPLE.read_bytes())
    return tmp_path


# -- settings checked before any log is read --------------------------------------------------------
def test_db_in_a_missing_folder_is_refused_not_created(workdir: Path) -> None:
    before = tree(workdir)
    missing = workdir / "nonexistent" / "dir"
    done = mmwatch(workdir, "audit", SAMPLE.name, "--db", str(missing / "x.db"), "--no-prefect")
    assert_one_line(done, f"{missing} does not exist", "db")
    assert not missing.parent.exists() and tree(workdir) == before


def test_db_in_the_default_home_is_created(workdir: Path) -> None:
    """The one folder mmwatch makes unasked: its home `.mmwatch` (the default), on first use."""
    done = mmwatch(workdir, "pull", SAMPLE.name, "--db", ".mmwatch/x.duckdb", "--no-prefect")
    assert done.returncode == 0, done.stderr
    assert (workdir / ".mmwatch" / "x.duckdb").is_file()


@pytest.mark.parametrize(("option", "env", "needles"), [
    ((), {"MMWATCH_FAIL_ON": "warning"}, ("fail_on", "'warning'", "critical")),
    ((), {"MMWATCH_ALERT_MIN_SEVERITY": "urgent"}, ("alert_min_severity", "'urgent'")),
    (("--publish", "ftp://host/reports"), {}, ("ftp://host/reports", "s3://bucket/prefix")),
    ((), {"MMWATCH_PUBLISH_URL": "s3:///no-bucket"}, ("no bucket",)),
    ((), {"MMWATCH_PUBLISH_HTTP_BASE": "ftp://cdn.example/x"}, ("publish_http_base", "http(s)")),
    ((), {"MMWATCH_ALERT_WEBHOOK_URL": "hooks.example/x"}, ("alert_webhook_url", "http(s)")),
    (("--out", "missing/reports"), {}, ("out", "missing does not exist")),
], ids=["fail-on", "alert-severity", "publish-scheme", "publish-bucket", "http-base", "webhook", "out"])
def test_bad_setting_is_one_line_before_the_audit(workdir: Path, option: tuple[str, ...], env: dict[str, str],
                                                  needles: tuple[str, ...]) -> None:
    """Reported before any work: no store, no report folder, no `.mmwatch` home appear."""
    before = tree(workdir)
    done = mmwatch(workdir, "audit", SAMPLE.name, *option, "--no-prefect", **env)
    assert_one_line(done, "mmwatch audit: invalid setting", *needles)
    assert tree(workdir) == before


def test_bad_setting_of_other_commands(workdir: Path) -> None:
    before = tree(workdir)
    assert_one_line(mmwatch(workdir, "pull", SAMPLE.name, "--no-prefect", MMWATCH_FAIL_ON="warning"),
                    "mmwatch pull: invalid setting", "fail_on")
    assert_one_line(mmwatch(workdir, "sources", "--db", str(workdir / "no" / "x.duckdb")),
                    "mmwatch sources:", f"{workdir / 'no'} does not exist")
    assert tree(workdir) == before


# -- a Prefect API that does not answer ------------------------------------------------------------------
@pytest.mark.parametrize("command", ["audit", "pull"])
def test_unreachable_prefect_api_is_one_line(workdir: Path, command: str) -> None:
    before = tree(workdir)
    api = f"http://127.0.0.1:{closed_port()}/api"
    done = mmwatch(workdir, command, SAMPLE.name, PREFECT_API_URL=api)
    assert_one_line(done, f"mmwatch {command}:", api, "--no-prefect")
    assert tree(workdir) == before  # refused before any log was read


# -- the audit's outcome: undelivered alerts, and --json -------------------------------------------------
def _expected_alerts(report: dict[str, Any], min_severity: str) -> set[str]:
    """The digest plus the failed rules at or above ``min_severity``, from report.json."""
    floor = SEVERITIES.index(min_severity)
    return {"SESSION-DIGEST"} | {r["id"] for r in report["rules"]
                                 if r["passed"] is False and SEVERITIES.index(r["severity"]) >= floor}


def test_undelivered_alerts_are_printed_and_json_carries_the_digest(workdir: Path) -> None:
    with webhook_receiver("/services/T0/B0/tokenpart") as hook:
        hook.status = 500  # the receiver is up and refuses every alert
        done = mmwatch(workdir, "audit", SAMPLE.name, "--json", "--no-prefect", "--fail-on", "critical",
                       MMWATCH_ALERT_WEBHOOK_URL=hook.url, MMWATCH_ALERT_ATTEMPTS="1")
    assert "Traceback" not in done.stderr
    out = json.loads(done.stdout)  # stdout is the JSON only
    (session,) = out["sessions"]
    report = json.loads((workdir / session["report_dir"] / "report.json").read_text())  # relative to its cwd
    failed = [SEVERITIES.index(r["severity"]) for r in report["rules"] if r["passed"] is False]
    worst = max(failed, default=-1)
    assert done.returncode == out["exit_code"] == (1 if worst == SEVERITIES.index("critical") else 0)

    # the digest: verdict, counts per severity, top findings with rounded figures
    digest = session["digest"]
    assert digest["verdict"] == (SEVERITIES[worst] if worst >= 0 else "clean")
    for severity in SEVERITIES:
        assert digest["counts"][severity] == sum(1 for r in report["rules"]
                                                 if r["passed"] is False and r["severity"] == severity)
    observed = {r["id"]: r["observed"] for r in report["rules"]}
    assert digest["top_findings"]
    for finding in digest["top_findings"]:
        if isinstance(finding["observed"], float):
            assert finding["observed"] == pytest.approx(observed[finding["rule_id"]], rel=1e-3)
            assert len(repr(finding["observed"])) < 12

    # every alert was sent, refused, and says so: in the JSON and one stderr line each
    expected = _expected_alerts(report, "high")
    assert {a["rule_id"] for a in session["alerts"]} == expected
    assert len(hook.bodies) == len(expected)
    assert all(a["delivery"]["delivered"] is False for a in session["alerts"])
    assert session["undelivered_alerts"] == len(expected)
    lines = [line for line in done.stderr.splitlines() if "not delivered" in line]
    assert len(lines) == len(expected)
    assert {line.split("alert ", 1)[1].split(" ", 1)[0] for line in lines} == expected
    host = hook.url.split("/services/")[0]
    assert all(host in line and "tokenpart" not in line for line in lines)
    assert "tokenpart" not in done.stdout  # a webhook's path is often its secret


def test_delivered_alerts_print_nothing(workdir: Path) -> None:
    with webhook_receiver() as hook:
        done = mmwatch(workdir, "audit", SAMPLE.name, "--no-prefect", "--fail-on", "critical",
                       MMWATCH_ALERT_WEBHOOK_URL=hook.url)
    assert done.returncode in (0, 1) and hook.bodies
    assert "not delivered" not in done.stderr and "Traceback" not in done.stderr
