"""Publishing: create-only S3 (a real moto server over HTTP) and file targets, outbox, index, masking.

The S3 endpoint is ``moto.server.ThreadedMotoServer`` on 127.0.0.1, started once for the test
session; boto3 reaches it through ``AWS_ENDPOINT_URL`` like any S3-compatible store.
"""

from __future__ import annotations

import io
import json
import logging
import os
import shutil
import socket
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import boto3
import duckdb
import pyarrow.parquet as pq
import pytest
from pydantic import ValidationError

from flows.audit_session import audit_logs, audit_session
from mmwatch.cli import main as cli_main
from mmwatch.config import load_settings
from mmwatch.publish import open_target, publish_session
from mmwatch.publish.outbox import open_outbox
from mmwatch.publish.s3 import S3Target
from tasks.artifacts import artifact_key
from tasks.publish import publish_alerts, publish_reports
from tests.conftest import ROOT, fixture_log
from tests.servers import s3_env

KEY_HEX = "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"
ADDRESS = "0x90F8bf6A479f320ead074411a4B0e7944Ea8c9C1"
API_SECRET = "Sup3rS3cretValue42"
SECRETS = (KEY_HEX, ADDRESS[2:], ADDRESS[2:].lower(), API_SECRET)


# -- fixtures -----------------------------------------------------------------------------------
@pytest.fixture
def bucket(monkeypatch: pytest.MonkeyPatch, s3_endpoint: str) -> str:
    """A fresh bucket on the moto server, with boto3's environment pointed at it."""
    s3_env(monkeypatch, s3_endpoint)
    name = f"mmwatch-{uuid.uuid4().hex[:12]}"
    boto3.client("s3").create_bucket(Bucket=name)
    return name


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def planted_log(folder: Path) -> Path:
    """A real bot log with secrets planted in a `Starting market maker` line and in WARN lines."""
    lines = fixture_log("2025-12-27_mm_0aca85a.log").read_text(encoding="utf-8").splitlines(keepends=True)
    planted = [
        {"timestamp": "2025-12-28T02:13:43.000000Z", "level": "INFO",
         "fields": {"message": "Starting market maker", "asset": "BTC", "network": "Testnet",
                    "wallet": ADDRESS, "private_key": "0x" + KEY_HEX, "dry_run": False},
         "target": "market_maker"},
        {"timestamp": "2025-12-28T02:13:43.200000Z", "level": "WARN",
         "fields": {"message": f"Signer {ADDRESS} rejected: key=0x{KEY_HEX} api_secret={API_SECRET}"},
         "target": "hyperliquid_rust_sdk::market_maker"},
    ]
    path = folder / "mm_testnet_BTC_2025-12-28_02-13-40.log"
    first, warn = (json.dumps(p) + "\n" for p in planted)  # `Starting market maker` opens a session
    path.write_text(first + lines[0] + warn + "".join(lines[1:]), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def audited(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[Path, dict[str, Any]]]:
    """Two sessions audited once (no publishing): the planted log and a second real log."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per moto request otherwise
    base = tmp_path_factory.mktemp("audited")
    settings = load_settings(db=base / "m.duckdb", out=base / "out")
    outcome = audit_logs(settings, [planted_log(base), fixture_log("2025-12-24_mm_df0e32c.log")])
    assert len(outcome.sessions) == 2
    return [(Path(s.report_dir), s.report) for s in outcome.sessions]


def object_count(report_dir: Path, with_alerts: bool = False) -> int:
    """Objects one session version publishes: the files of its report folder plus one index part."""
    return 1 + sum(1 for p in report_dir.rglob("*")
                   if p.is_file() and (with_alerts or p.relative_to(report_dir).parts[0] != "alerts"))


def listing(bucket: str, prefix: str = "") -> dict[str, tuple[str, Any]]:
    """key -> (ETag, LastModified) of every object in ``bucket``."""
    pages = boto3.client("s3").get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
    return {o["Key"]: (o["ETag"], o["LastModified"]) for p in pages for o in p.get("Contents", [])}


def content_is_text(key: str) -> bool:
    return Path(key).suffix in (".json", ".md", ".html", ".css", ".js", ".txt", ".svg")


def outbox_rows(db: Path) -> list[tuple[str, str]]:
    con = open_outbox(db)
    try:
        return con.execute("select key, status from outbox order by key").fetchall()
    finally:
        con.close()


# -- S3 -------------------------------------------------------------------------------------------
def test_publish_twice_duplicates_and_overwrites_nothing(bucket: str, audited, tmp_path: Path) -> None:
    url = f"s3://{bucket}/mm"
    report_dir, report = audited[0]
    first = publish_session(report_dir, report, url, tmp_path / "a.duckdb")
    before = listing(bucket)
    keys = sorted(k.removeprefix("mm/") for k in before)
    assert first.result.sent == len(before) == object_count(report_dir)  # reports, data docs, index part
    assert first.link == f"s3://{bucket}/mm/{first.keys.report_file('report.md')}"
    head = boto3.client("s3").head_object(Bucket=bucket, Key=f"mm/{first.keys.report_file('report.md')}")
    assert head["ContentType"] == "text/markdown; charset=utf-8"

    again = publish_session(report_dir, report, url, tmp_path / "a.duckdb")  # same outbox: nothing queued
    assert (again.queued, again.result.sent) == (0, 0)
    fresh = publish_session(report_dir, report, url, tmp_path / "b.duckdb")  # new outbox: the store refuses
    assert fresh.queued == len(before) and fresh.result.sent == 0
    assert fresh.result.outcomes == {"present": len(before)}
    assert listing(bucket) == before  # same keys, ETags and LastModified

    changed = json.loads(json.dumps(report))
    changed["rules"] = [{"id": "TEST-RULE", "title": "t", "severity": "high", "passed": False,
                         "observed": 1, "threshold": 0}]
    third = publish_session(report_dir, changed, url, tmp_path / "a.duckdb")
    assert third.keys.version != first.keys.version
    after = listing(bucket)
    assert {k: v for k, v in after.items() if k in before} == before  # the old version untouched
    assert len(after) == 2 * len(before)  # the new version beside it
    assert all(f"/v-{first.keys.version}/" in k or f"-v-{first.keys.version}." in k for k in keys)


def test_store_down_audit_succeeds_and_retry_sends_everything(
        bucket: str, s3_endpoint: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    log = fixture_log("2025-12-24_mm_df0e32c.log")
    db = tmp_path / "m.duckdb"
    settings = load_settings(db=db, out=tmp_path / "out", publish_url=f"s3://{bucket}/down")
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{closed_port()}")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    outcome = audit_logs(settings, [log])
    assert outcome.sessions[0].published is None
    waiting = outbox_rows(db)
    expected = object_count(Path(outcome.sessions[0].report_dir), with_alerts=True)
    assert len(waiting) == expected and {s for _, s in waiting} == {"queued"}
    monkeypatch.setenv("AWS_ENDPOINT_URL", s3_endpoint)  # the store is back
    assert listing(bucket) == {}

    assert cli_main(["publish", "--db", str(db)]) == 1  # objects wait: exit 1
    assert f"queued   {expected:6}" in capsys.readouterr().out
    env = {**os.environ, "AWS_ENDPOINT_URL": s3_endpoint}
    entry = ROOT / ".venv" / "bin" / "mmwatch"  # the installed command; the module when run elsewhere
    command = [str(entry)] if entry.exists() else [sys.executable, "-m", "mmwatch.cli"]
    done = subprocess.run([*command, "publish", "--retry", "--db", str(db)],
                          capture_output=True, text=True, env=env, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert f"{expected} created; 0 still waiting" in done.stdout
    assert sorted(k.removeprefix("down/") for k in listing(bucket)) == [k for k, _ in waiting]
    assert {s for _, s in outbox_rows(db)} == {"created"}


def test_index_lists_every_session_and_duckdb_reads_it(bucket: str, audited, tmp_path: Path) -> None:
    import pyarrow.dataset as pads
    import pyarrow.fs as pafs

    url = f"s3://{bucket}/idx"
    for report_dir, report in audited:
        publish_session(report_dir, report, url, tmp_path / "m.duckdb")
    s3 = pafs.S3FileSystem(endpoint_override=os.environ["AWS_ENDPOINT_URL"], access_key="testing",
                           secret_key="testing", region="us-east-1")
    index = pads.dataset(f"{bucket}/idx/index", filesystem=s3, format="parquet", partitioning="hive")
    rows = duckdb.connect().execute(
        "select session_id, end_kind, fills_total, failed_rules, report_key, cast(date as varchar) "
        "from index order by session_id").fetchall()
    expected = sorted((r["session"]["id"], r["session"]["end"], r["fills"]["total"]) for _, r in audited)
    assert [row[:3] for row in rows] == expected
    assert len(rows) == 2 == index.count_rows()
    for row in rows:
        assert row[4].startswith("reports/") and row[4].endswith("/report.json")
        assert row[5] == row[0][:4] + "-" + row[0][4:6] + "-" + row[0][6:8]
        assert f"idx/{row[4]}" in listing(bucket, "idx/reports/")


def test_no_secret_in_any_published_object(bucket: str, audited, tmp_path: Path) -> None:
    report_dir, report = audited[0]
    folder = tmp_path / report_dir.name
    shutil.copytree(report_dir, folder)
    failed = next(r["id"] for r in report["rules"] if r["passed"] is False)
    (folder / "alerts").mkdir(exist_ok=True)
    (folder / "alerts" / f"{failed}.json").write_text(json.dumps(  # as mmwatch.alerts writes them
        {"rule": failed, "message": f"wallet {ADDRESS} key 0x{KEY_HEX}", "api_secret": API_SECRET}))
    (folder / "alerts" / "NOT-FAILED.json").write_text("{}")  # left by an earlier audit: stays local
    assert ADDRESS not in (folder / "report.json").read_text()  # write_reports masked it already
    settings = load_settings(db=tmp_path / "m.duckdb", publish_url=f"s3://{bucket}/sec")
    assert publish_reports.fn(folder, report, settings) is not None
    assert publish_alerts.fn(folder, report, settings) == len(list((folder / "alerts").glob("*.json"))) - 1
    s3 = boto3.client("s3")
    keys = sorted(listing(bucket))
    assert any(k.startswith("sec/alerts/") and k.endswith(f"/{failed}.json") for k in keys)
    assert not any(k.endswith("/NOT-FAILED.json") for k in keys)
    masked_in: list[str] = []
    for key in keys:
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        if key.endswith(".parquet"):
            text = json.dumps(pq.read_table(io.BytesIO(body)).to_pylist(), default=str, ensure_ascii=False)
        else:  # fonts and images of the data docs are searched byte for byte
            text = body.decode("utf-8") if content_is_text(key) else body.decode("latin-1")
        assert not any(secret in text for secret in SECRETS), key
        if "0x90F8…c9C1" in text:
            masked_in.append(Path(key).name)
    assert sorted(masked_in) == sorted([f"{failed}.json", "report.json"])  # the planted lines, masked


def test_missing_bucket_keeps_everything_queued(bucket: str, audited, tmp_path: Path) -> None:
    report_dir, report = audited[1]
    done = publish_session(report_dir, report, f"s3://{bucket}-missing/x", tmp_path / "m.duckdb")
    assert done.link is None and done.result.sent == 0
    assert "NoSuchBucket" in (done.result.error or "")
    assert done.result.waiting == object_count(report_dir) == len(outbox_rows(tmp_path / "m.duckdb"))


# -- fallback and file target ---------------------------------------------------------------------
def test_checked_fallback_without_conditional_writes(bucket: str) -> None:
    target = S3Target(f"s3://{bucket}/fb", bucket, "fb", conditional=False)
    assert target.put_new("a.json", b'{"a": 1}', "application/json") == "created"
    first = listing(bucket)
    assert target.put_new("a.json", b'{"a": 1}', "application/json") == "present"
    assert target.put_new("a.json", b'{"a": 2}', "application/json") == "kept"
    assert listing(bucket) == first
    assert target.get("a.json") == b'{"a": 1}'


def test_file_target_same_semantics(audited, tmp_path: Path) -> None:
    root = tmp_path / "published"
    url = root.as_uri()
    report_dir = tmp_path / "report"
    shutil.copytree(audited[1][0], report_dir)
    report = audited[1][1]
    first = publish_session(report_dir, report, url, tmp_path / "a.duckdb")
    files = {p: p.stat().st_mtime_ns for p in root.rglob("*") if p.is_file()}
    assert first.result.sent == len(files) == object_count(report_dir)
    assert first.link == (root / first.keys.report_file("report.md")).as_uri()
    again = publish_session(report_dir, report, url, tmp_path / "b.duckdb")
    assert again.result.outcomes == {"present": len(files)}
    # a re-audit with the same verdict rebuilds the GX data docs with new run times: not published again
    (report_dir / "data_docs" / "validations").mkdir(parents=True, exist_ok=True)
    (report_dir / "data_docs" / "validations" / "rerun.html").write_text("<p>later run</p>")
    assert publish_session(report_dir, report, url, tmp_path / "a.duckdb").queued == 0
    assert {p: p.stat().st_mtime_ns for p in root.rglob("*") if p.is_file()} == files
    assert open_target(url).put_new(first.keys.report_file("report.md"), b"other", "text/plain") == "kept"
    published_md = root / first.keys.report_file("report.md")
    assert published_md.read_bytes() == (report_dir / "report.md").read_bytes()
    count = duckdb.connect().execute(
        f"select count(*) from read_parquet('{root}/index/*/*.parquet', hive_partitioning = true)").fetchall()
    assert count == [(1,)]


def test_bad_publish_url_is_a_clear_error(tmp_path: Path) -> None:
    """Refused when the settings are built, before any log is read (the CLI prints it in one line)."""
    with pytest.raises(ValidationError, match="not s3://bucket/prefix or file:///path"):
        load_settings(db=tmp_path / "m.duckdb", publish_url="ftp://x/y")


# -- the flow -----------------------------------------------------------------------------------
def test_flow_run_publishes_and_shows_artifacts(prefect_server: None, bucket: str, tmp_path: Path) -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    state = audit_session(logs=[str(fixture_log("2025-12-24_mm_df0e32c.log"))], db=str(tmp_path / "m.duckdb"),
                          out=str(tmp_path / "out"), publish=f"s3://{bucket}/flow", return_state=True)
    (session,) = state.result()["sessions"]
    report = json.loads((Path(session["report_dir"]) / "report.json").read_text())
    assert session["published"].startswith(f"s3://{bucket}/flow/reports/")
    assert session["published"].removeprefix(f"s3://{bucket}/") in listing(bucket)
    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(artifact_filter=ArtifactFilter(
            flow_run_id=ArtifactFilterFlowRunId(any_=[state.state_details.flow_run_id])))
    by_key = {a.key: a for a in artifacts}
    kinds = ("audit-report", "audit-rules", "audit-link")
    assert set(by_key) == {artifact_key(session["id"], kind) for kind in kinds}
    markdown, table, link = (by_key[artifact_key(session["id"], kind)] for kind in kinds)
    assert markdown.type == "markdown" and table.type == "table"
    assert markdown.data == (Path(session["report_dir"]) / "report.md").read_text()
    rows = table.data if isinstance(table.data, list) else json.loads(table.data)
    assert sorted(row["rule"] for row in rows) == sorted(r["id"] for r in report["rules"]) != []
    # a Markdown link to the published report.html on the store's endpoint
    page = session["published"].removeprefix("s3://").removesuffix("report.md") + "report.html"
    assert link.data.endswith(f"({os.environ['AWS_ENDPOINT_URL']}/{page})")
    assert state.is_completed()
