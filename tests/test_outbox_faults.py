"""The outbox never blocks: refused objects, throttled keys, a hanging store, a full publish disk.

S3 is the real moto server on 127.0.0.1; faults come from ``FaultProxy``, a small HTTP proxy in
front of it (loopback only) that answers 403 or 500 for chosen keys, or accepts a request and never
answers (bounded: it lets go when the test stops it, at the latest after ``HANG_CAP_S``). The full
disk is a 64 KiB tmpfs mounted by the test (the sandbox runs as root).
"""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import boto3
import duckdb
import pytest

from flows.audit_session import audit_logs
from mmwatch.config import load_settings
from mmwatch.publish import publish_session
from mmwatch.publish.alerting import alert_rejected
from mmwatch.publish.layout import SEGMENT_MAX, OutObject, segment
from mmwatch.publish.outbox import enqueue, flush, open_outbox
from mmwatch.publish.targets import MAX_KEY_BYTES, open_target
from tests.conftest import ROOT
from tests.servers import s3_env, webhook_receiver

SAMPLE = ROOT / "samples" / "mm_hip3_hyna_HYPE_hip3_2026-03-13_09-00-00.log"
MMWATCH = str(ROOT / ".venv" / "bin" / "mmwatch")
HANG_CAP_S = 30.0
LONG_ASSET = "Q" * 5000  # not a hex digit: a run of hex would be masked as a key


# -- helpers ------------------------------------------------------------------------------------
def sample_log(folder: Path, name: str = "mm.log", asset: str | None = None, lines: int = 600) -> Path:
    """The first ``lines`` lines of the real HIP-3 sample (one session), its asset replaced if asked."""
    with SAMPLE.open(encoding="utf-8") as fh:
        text = "".join(next(fh) for _ in range(lines))
    if asset is not None:
        assert '"asset":"hyna:HYPE"' in text
        text = text.replace('"asset":"hyna:HYPE"', json.dumps({"asset": asset})[1:-1])
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


class FaultProxy:
    """HTTP proxy to ``upstream``; ``rule(method, path)`` says ``None`` (forward), "403", "500" or "hang"."""

    def __init__(self, upstream: str, rule: Callable[[str, str], str | None]) -> None:
        host, port = upstream.removeprefix("http://").split(":")
        self.upstream = (host, int(port))
        self.rule = rule
        self.stopping = threading.Event()
        self.seen: list[tuple[str, str, str]] = []  # (method, path, what the proxy did)
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def _any(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                action = proxy.rule(self.command, self.path)
                proxy.seen.append((self.command, self.path, action or "forward"))
                if action == "hang":  # accept, never answer; let go when the test ends
                    proxy.stopping.wait(HANG_CAP_S)
                    self.close_connection = True
                    return
                if action in ("403", "500"):
                    code = {"403": "AccessDenied", "500": "InternalError"}[action]
                    payload = (f'<?xml version="1.0" encoding="UTF-8"?><Error><Code>{code}</Code>'
                               f"<Message>injected by the test</Message></Error>").encode()
                    self.send_response(int(action))
                    self.send_header("Content-Type", "application/xml")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                    return
                conn = http.client.HTTPConnection(*proxy.upstream, timeout=10)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("connection", "expect")}
                conn.request(self.command, self.path, body=body or None, headers=headers)
                answer = conn.getresponse()
                data = answer.read()
                self.send_response(answer.status)
                for k, v in answer.getheaders():
                    if k.lower() not in ("transfer-encoding", "connection", "content-length"):
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)
                conn.close()

            do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = _any  # noqa: N815 - http.server's naming

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.stopping.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def bucket(monkeypatch: pytest.MonkeyPatch, s3_endpoint: str) -> str:
    s3_env(monkeypatch, s3_endpoint)
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    monkeypatch.setenv("MMWATCH_DATA_DOCS", "false")
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    name = f"mmwatch-{uuid.uuid4().hex[:12]}"
    boto3.client("s3").create_bucket(Bucket=name)
    return name


@pytest.fixture
def proxy_to(s3_endpoint: str) -> Iterator[Callable[[Callable[[str, str], str | None]], FaultProxy]]:
    started: list[FaultProxy] = []

    def start(rule: Callable[[str, str], str | None]) -> FaultProxy:
        started.append(FaultProxy(s3_endpoint, rule))
        return started[-1]

    yield start
    for p in started:
        p.stop()


def stored_keys(bucket: str) -> list[str]:
    pages = boto3.client("s3", endpoint_url=os.environ["AWS_ENDPOINT_URL"]).get_paginator(
        "list_objects_v2").paginate(Bucket=bucket)
    return sorted(o["Key"] for p in pages for o in p.get("Contents", []))


def outbox(db: Path) -> dict[str, tuple[str, str | None, Any]]:
    """key -> (status, last error, next try) of every outbox row."""
    with duckdb.connect(str(db), read_only=True) as con:
        return {k: (s, e, n) for k, s, e, n in con.execute(
            "select key, status, last_error, next_try_at from outbox").fetchall()}


def publish_alerts(db: Path) -> list[dict[str, Any]]:
    with duckdb.connect(str(db), read_only=True) as con:
        return [json.loads(r[0]) for r in con.execute(
            "select record from alerts where rule_id = 'PUBLISH-FAILED' order by alert_id").fetchall()]


# -- long keys ----------------------------------------------------------------------------------
def test_long_segments_are_capped_with_a_hash() -> None:
    a, b = segment("X" * 5000 + "1"), segment("X" * 5000 + "2")
    assert len(a) == len(b) == SEGMENT_MAX and a != b and a.startswith("X" * 60)
    assert segment("BTC") == "BTC" and segment("hyna:HYPE") == "hyna_HYPE"  # short ones unchanged


def test_5000_character_asset_publishes_everything(bucket: str, tmp_path: Path) -> None:
    log = sample_log(tmp_path, asset=LONG_ASSET)
    url = f"s3://{bucket}/long"
    settings = load_settings(db=tmp_path / "m.duckdb", out=tmp_path / "out", publish_url=url)
    (session,) = audit_logs(settings, [log]).sessions
    assert session.report["session"]["asset"] == LONG_ASSET
    assert session.published is not None
    rows = outbox(tmp_path / "m.duckdb")
    assert rows and {s for s, _, _ in rows.values()} == {"created"}
    keys = stored_keys(bucket)
    assert sorted(f"long/{k}" for k in rows) == keys
    assert max(len(k.encode()) for k in keys) < 400
    assert all(len(part) <= SEGMENT_MAX for k in keys for part in k.split("/"))
    # the same log published to a folder: file names fit the file system's 255 bytes
    folder = tmp_path / "pub"
    done = publish_session(Path(session.report_dir), session.report, folder.as_uri(), tmp_path / "f.duckdb")
    assert done.result.waiting == 0 and not done.result.rejected
    assert done.result.sent == sum(1 for k in rows if not k.startswith("alerts/"))


def test_key_over_the_limit_fails_alone_and_is_alerted(bucket: str, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    with webhook_receiver() as hook:
        monkeypatch.setenv("MMWATCH_ALERT_WEBHOOK_URL", hook.url)
        for url in (f"s3://{bucket}/k", (tmp_path / "pub").as_uri()):
            db = tmp_path / f"{url.split(':')[0]}.duckdb"
            too_long = "reports/" + "x" * MAX_KEY_BYTES + "/report.md"
            name_too_long = "reports/" + "y" * 300 + "/report.md"  # fits S3, not a file name
            objects = [OutObject(too_long, b"a", "text/markdown"),
                       OutObject(name_too_long, b"b", "text/markdown"),
                       OutObject("reports/ok/report.md", b"c", "text/markdown")]
            con = open_outbox(db)
            try:
                enqueue(con, url, objects, "S1")
                result = flush(con, open_target(url))
                alerts = alert_rejected(con, result, load_settings(db=db))
                again = flush(con, open_target(url))  # a later flush does not try the failed ones again
            finally:
                con.close()
            rows = outbox(db)
            assert rows[too_long][0] == "failed" and "1024-byte limit" in rows[too_long][1]
            assert rows["reports/ok/report.md"][0] == "created"
            if url.startswith("file:"):
                assert rows[name_too_long][0] == "failed" and "File name too long" in rows[name_too_long][1]
            else:
                assert rows[name_too_long][0] == "created"
            assert len(alerts) == len(result.rejected) == (2 if url.startswith("file:") else 1)
            assert {a["observed"] for a in publish_alerts(db)} == {k for k, _, _ in result.rejected}
            assert "refused for good" in (result.notice(db) or "")
            assert not again.outcomes and not again.rejected
    received = [json.loads(body) for body in hook.bodies]
    assert sum(1 for r in received if r["alert"]["rule_id"] == "PUBLISH-FAILED") == 3  # through the webhook
    assert all("refused" in r["text"] for r in received)


# -- S3 faults ----------------------------------------------------------------------------------
def test_403_on_one_key_only_fails_that_object(bucket: str, tmp_path: Path, proxy_to,
                                               monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    proxy = proxy_to(lambda method, path: "403" if method == "PUT" and path.split("?")[0].endswith(
        "/report.html") else None)
    monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.url)
    db = tmp_path / "m.duckdb"
    settings = load_settings(db=db, out=tmp_path / "out", publish_url=f"s3://{bucket}/p")
    (session,) = audit_logs(settings, [sample_log(tmp_path)]).sessions
    rows = outbox(db)
    html = next(k for k in rows if k.endswith("/report.html"))
    assert rows[html][0] == "failed" and "AccessDenied" in rows[html][1]
    assert {s for k, (s, _, _) in rows.items() if k != html} == {"created"}
    assert session.published is not None  # report.md went out
    assert sorted(f"p/{k}" for k in rows if k != html) == stored_keys(bucket)
    (alert,) = publish_alerts(db)
    assert alert["observed"] == html and alert["session"] == session.session_id
    err = capsys.readouterr().err
    assert "refused for good" in err and "AccessDenied" in err  # the audit's output says it
    assert sum(1 for m, p, _ in proxy.seen if m == "PUT" and p.split("?")[0].endswith("/report.html")) == 1


def test_500_on_one_key_backs_off_that_object_only(bucket: str, tmp_path: Path, proxy_to,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    failing = {"on": True}
    proxy = proxy_to(lambda method, path: "500" if failing["on"] and method == "PUT"
                     and path.split("?")[0].endswith("/report.json") else None)
    monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.url)
    db = tmp_path / "m.duckdb"
    settings = load_settings(db=db, out=tmp_path / "out", publish_url=f"s3://{bucket}/t")
    log = sample_log(tmp_path)
    audit_logs(settings, [log])
    rows = outbox(db)
    js = next(k for k in rows if k.endswith("/report.json"))
    status, error, next_try = rows[js]
    assert status == "queued" and "InternalError" in error and next_try is not None
    assert {s for k, (s, _, _) in rows.items() if k != js} == {"created"}
    puts = sum(1 for m, p, _ in proxy.seen if m == "PUT" and p.split("?")[0].endswith("/report.json"))
    audit_logs(settings, [log])  # next audit: the object's backoff is not over, it is not tried
    assert sum(1 for m, p, _ in proxy.seen if m == "PUT" and p.split("?")[0].endswith("/report.json")) == puts
    failing["on"] = False
    env = {**os.environ, "AWS_ENDPOINT_URL": proxy.url}
    done = subprocess.run([MMWATCH, "publish", "--retry", "--db", str(db)], capture_output=True, text=True,
                          env=env, timeout=60)
    assert done.returncode == 0 and "1 created; 0 still waiting" in done.stdout, done.stdout + done.stderr
    assert outbox(db)[js][0] == "created"


def test_hanging_store_costs_the_audit_one_deadline(bucket: str, tmp_path: Path, proxy_to,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    hanging = {"on": True}
    proxy = proxy_to(lambda method, path: "hang" if hanging["on"] else None)
    monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.url)
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "3")  # boto3's default: 3 x 15 s read timeout per object
    db = tmp_path / "m.duckdb"
    log = sample_log(tmp_path)
    plain = load_settings(db=tmp_path / "plain.duckdb", out=tmp_path / "plain")
    audit_logs(plain, [log])  # imports done: the next audit is timed like the published one
    started = time.monotonic()
    audit_logs(plain, [log])
    unpublished_s = time.monotonic() - started
    deadline_s = 3.0
    monkeypatch.setenv("MMWATCH_PUBLISH_DEADLINE_S", str(deadline_s))  # as an operator sets it
    settings = load_settings(db=db, out=tmp_path / "out", publish_url=f"s3://{bucket}/h")
    started = time.monotonic()
    (session,) = audit_logs(settings, [log]).sessions
    took = time.monotonic() - started
    assert took < unpublished_s + deadline_s + 4, (took, unpublished_s)
    assert session.published is None
    rows = outbox(db)
    assert rows and {s for s, _, _ in rows.values()} == {"queued"}  # reports and alerts wait
    # one object was tried, the publish of the alerts did not wait for the dead store again
    assert len({p for _, p, a in proxy.seen if a == "hang"}) == 1
    hanging["on"] = False
    env = {**os.environ, "AWS_ENDPOINT_URL": proxy.url}
    done = subprocess.run([MMWATCH, "publish", "--retry", "--db", str(db)], capture_output=True, text=True,
                          env=env, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    # "present": the abandoned call's own retry may have stored its object meanwhile
    assert {s for s, _, _ in outbox(db).values()} <= {"created", "present"}
    assert len(stored_keys(bucket)) == len(rows)


def test_normal_session_after_a_broken_one_still_publishes(bucket: str, tmp_path: Path, proxy_to,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    broken_marker = "/reports/unknown/" + "W" * 20  # the broken session's asset starts with 20 W's
    proxy = proxy_to(lambda method, path: "403" if method == "PUT" and broken_marker in path else None)
    monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.url)
    db = tmp_path / "m.duckdb"
    settings = load_settings(db=db, out=tmp_path / "out", publish_url=f"s3://{bucket}/n")
    broken = sample_log(tmp_path, "broken.log", asset="W" * 5000)
    audit_logs(settings, [broken])
    rows = outbox(db)
    assert any(s == "failed" for s, _, _ in rows.values())
    normal = sample_log(tmp_path, "normal.log", lines=900)  # another session version: other keys
    (session,) = audit_logs(settings, [normal]).sessions
    assert session.published is not None
    mine = {k: v for k, v in outbox(db).items() if session.session_id in k and k not in rows}
    assert mine and {s for s, _, _ in mine.values()} == {"created"}


# -- a full publish disk ------------------------------------------------------------------------
@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    """A 64 KiB tmpfs, nearly full."""
    mnt = tmp_path / "tiny"
    mnt.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mnt)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        (mnt / "filler").write_bytes(b"\0" * 40 * 1024)
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


def test_full_publish_disk_exit_2_one_line_no_temp_file(tiny_disk: Path, tmp_path: Path) -> None:
    log = sample_log(tmp_path)
    env = {**os.environ, "MMWATCH_DATA_DOCS": "false"}
    env.pop("PREFECT_API_URL", None)
    done = subprocess.run([MMWATCH, "audit", str(log), "--db", str(tmp_path / "m.duckdb"),
                           "--out", str(tmp_path / "out"), "--publish", tiny_disk.as_uri(), "--no-prefect"],
                          capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr
    assert str(tiny_disk) in lines[0] and "No space left on device" in lines[0]
    assert not [p for p in tiny_disk.rglob("*") if p.name.endswith(".tmp")]
    assert {s for s, _, _ in outbox(tmp_path / "m.duckdb").values()} <= {"queued", "created"}


def test_full_report_disk_exit_2_one_line(tiny_disk: Path, tmp_path: Path) -> None:
    log = sample_log(tmp_path)
    env = {**os.environ, "MMWATCH_DATA_DOCS": "false"}
    env.pop("PREFECT_API_URL", None)
    done = subprocess.run([MMWATCH, "audit", str(log), "--db", str(tmp_path / "m.duckdb"),
                           "--out", str(tiny_disk / "out"), "--no-prefect"],
                          capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr and "disk full" in lines[0]
