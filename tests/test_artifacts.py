"""The Prefect UI artifacts of a real flow run, read back through the Prefect client (issue 17).

The rules table reads at a glance: observed figures rounded, thresholds written ``≥``/``≤`` (a cell
starting with ``>`` is a block quote in the UI). The link artifact opens report.html in a browser:
an http(s) URL that a real HTTP server on 127.0.0.1 answers with the published page, through
``MMWATCH_PUBLISH_HTTP_BASE`` or an S3 endpoint; with neither, the location is text, not a
``file://`` link that only looks clickable.
"""

from __future__ import annotations

import functools
import json
import threading
import urllib.request
import uuid
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import boto3
import pytest

from flows.audit_session import audit_session
from tasks.artifacts import artifact_key
from tests.conftest import ROOT
from tests.servers import moto_s3, s3_env

SAMPLE = ROOT / "samples" / "mm_mainnet_BTC_2026-01-13_15-13-53.log"


@pytest.fixture(autouse=True)
def _quiet_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MMWATCH_DATA_DOCS", "false")
    for name in ("MMWATCH_PUBLISH_HTTP_BASE", "MMWATCH_ALERT_WEBHOOK_URL", "MMWATCH_ALERT_URLS",
                 "MMWATCH_ALERT_BLOCK", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def http_folder(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """A folder served over HTTP by a real server on 127.0.0.1: (folder, base URL)."""
    root = tmp_path / "site"
    root.mkdir()

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(root)))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield root, f"http://127.0.0.1:{server.server_port}/reports-site"
    finally:
        server.shutdown()
        server.server_close()


def run_audit(tmp_path: Path, publish: str | None) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """One flow run of the sample: (its session digest, report.json, artifacts by kind)."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    state = audit_session(logs=[str(SAMPLE)], db=str(tmp_path / "m.duckdb"), out=str(tmp_path / "out"),
                          publish=publish, return_state=True)
    assert state.is_completed()
    (session,) = state.result()["sessions"]
    report = json.loads((Path(session["report_dir"]) / "report.json").read_text())
    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(artifact_filter=ArtifactFilter(
            flow_run_id=ArtifactFilterFlowRunId(any_=[state.state_details.flow_run_id])))
    by_key = {a.key: a for a in artifacts}
    kinds = ("audit-report", "audit-rules", "audit-link")
    assert set(by_key) == {artifact_key(session["id"], k) for k in kinds}
    return session, report, {k: by_key[artifact_key(session["id"], k)] for k in kinds}


def link_target(data: str) -> str:
    """The URL of a link artifact's ``[text](url)`` (Prefect stores link artifacts as Markdown)."""
    assert data.startswith("[") and data.endswith(")"), data
    return data.rsplit("](", 1)[1][:-1]


def test_rules_table_is_rounded_and_reads_as_text(prefect_server: None, tmp_path: Path) -> None:
    _, report, artifacts = run_audit(tmp_path, None)
    table = artifacts["audit-rules"]
    rows = table.data if isinstance(table.data, list) else json.loads(table.data)
    rules = {r["id"]: r for r in report["rules"]}
    assert sorted(row["rule"] for row in rows) == sorted(rules)
    long_floats = [r["id"] for r in report["rules"] if isinstance(r["observed"], float)
                   and len(repr(r["observed"])) > 10]
    assert long_floats  # the sample has figures like 0.6666666666666666: the check below bites
    for row in rows:
        rule = rules[row["rule"]]
        observed = rule["observed"]
        if isinstance(observed, float):
            assert row["observed"] == pytest.approx(observed, rel=5e-4, abs=5e-3)
            assert len(repr(row["observed"])) <= max(len(repr(round(observed))) + 3, 7), row
        threshold = rule["threshold"]
        if isinstance(threshold, str):
            shown = row["threshold"]
            assert ">=" not in shown and "<=" not in shown and not shown.startswith((">", "<", "#"))
            assert (">=" in threshold) == ("≥" in shown) and ("<=" in threshold) == ("≤" in shown)
    assert any(r["threshold"].startswith("≥") for r in rows if isinstance(r["threshold"], str))
    # not published: the link artifact names the local report.html as text
    link = artifacts["audit-link"]
    assert "file://" not in link.data and "](" not in link.data
    assert "report.html" in link.data and "not published" in link.data


def test_file_target_with_http_base_links_the_served_report(prefect_server: None, tmp_path: Path,
                                                            http_folder: tuple[Path, str],
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    site, base_url = http_folder
    root = site / "reports-site"
    monkeypatch.setenv("MMWATCH_PUBLISH_HTTP_BASE", base_url)
    session, _, artifacts = run_audit(tmp_path, root.as_uri())
    url = link_target(artifacts["audit-link"].data)
    assert url.startswith(base_url + "/reports/") and url.endswith("/report.html")
    with urllib.request.urlopen(url, timeout=10) as answer:  # noqa: S310 (our own server)
        page = answer.read()
    published = Path(session["published"].removeprefix("file://")).with_name("report.html")
    assert page == published.read_bytes() and b"<html" in page.lower()


def test_file_target_without_http_base_is_text(prefect_server: None, tmp_path: Path) -> None:
    root = tmp_path / "published"
    session, _, artifacts = run_audit(tmp_path, root.as_uri())
    link = artifacts["audit-link"]
    assert "file://" not in link.data and "](" not in link.data
    html = Path(session["published"].removeprefix("file://")).with_name("report.html")
    assert html.is_file() and str(html) in link.data
    assert "MMWATCH_PUBLISH_HTTP_BASE" in link.data  # says how to get a link


def test_s3_target_links_report_html_on_the_endpoint(prefect_server: None, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    with moto_s3() as endpoint:
        s3_env(monkeypatch, endpoint)
        bucket = f"mmwatch-{uuid.uuid4().hex[:12]}"
        s3 = boto3.client("s3")
        s3.create_bucket(Bucket=bucket)
        # a browser reads without credentials: the bucket serves its reports publicly, as one behind
        # a website endpoint would (a private bucket answers 403, which the link cannot change)
        s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
            "Resource": f"arn:aws:s3:::{bucket}/*"}]}))
        session, _, artifacts = run_audit(tmp_path, f"s3://{bucket}/flow")
        url = link_target(artifacts["audit-link"].data)
        assert url.startswith(f"{endpoint}/{bucket}/flow/reports/") and url.endswith("/report.html")
        with urllib.request.urlopen(url, timeout=10) as answer:  # noqa: S310 (moto on 127.0.0.1)
            page = answer.read()
        key = session["published"].removeprefix(f"s3://{bucket}/").removesuffix("report.md") + "report.html"
        stored = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    assert page == stored and b"<html" in page.lower()
