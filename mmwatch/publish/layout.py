"""Where each published object goes, and what it is called: keys derived from content.

Layout under the target (``s3://bucket/prefix`` or ``file:///path``)::

    reports/<network>/<asset>/<YYYY-MM-DD>/<session id>/v-<version>/report.{json,md,html}
    reports/<network>/<asset>/<YYYY-MM-DD>/<session id>/v-<version>/data_docs/...   (when present)
    alerts/<YYYY-MM-DD>/<session id>/v-<version>/<RULE>.json
    index/date=<YYYY-MM-DD>/<session id>-v-<version>.parquet

``<YYYY-MM-DD>`` is the UTC day the session started (not the day of the audit), so a session is
found under the day it traded. ``<version>`` is a short SHA-256 of the masked report without its
volatile fields (``generated_at``): the same audit twice gives the same keys and publishes
nothing new; a re-audit that judges differently (other rules, thresholds, mmwatch version) gets a
new version beside the old one, never over it.

Each segment taken from a log (network, asset, session id, rule) is capped at ``SEGMENT_MAX``
characters, the cut marked by a hash of the whole value: a 5,000-character asset would otherwise
make a key no file system (255-byte names) or S3 (1,024-byte keys) can store, retried for ever.
Two long values that share their first characters still get different keys.
"""

from __future__ import annotations

import hashlib
import json
import mimetypes
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mmwatch.masking import mask_secrets, mask_text

VOLATILE_FIELDS = ("generated_at",)
VERSION_CHARS = 12

CONTENT_TYPES = {
    ".json": "application/json",
    ".md": "text/markdown; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".csv": "text/csv; charset=utf-8",
    ".svg": "image/svg+xml",
    ".parquet": "application/vnd.apache.parquet",
}
#: Suffixes whose bytes are text that may quote the log: masked before publishing.
TEXT_SUFFIXES = {".json", ".md", ".html", ".htm", ".css", ".js", ".txt", ".csv", ".svg", ".xml", ".yml",
                 ".yaml"}

#: Longest key segment; the longest key stays far under S3's 1,024 bytes (4 capped segments + GX paths).
SEGMENT_MAX = 80
SEGMENT_HASH_CHARS = 12
_UNSAFE = re.compile(r"[^A-Za-z0-9._=-]+")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class OutObject:
    """One object to publish: its key under the target, bytes and content type."""

    key: str
    body: bytes
    content_type: str


def content_type(name: str) -> str:
    suffix = Path(name).suffix.lower()
    return CONTENT_TYPES.get(suffix) or mimetypes.guess_type(name)[0] or "application/octet-stream"


def segment(value: Any, default: str = "unknown") -> str:
    """A value as one safe key segment (no slash, no spaces), at most ``SEGMENT_MAX`` characters."""
    text = _UNSAFE.sub("_", str(value)).strip("._") if value not in (None, "") else ""
    if len(text) > SEGMENT_MAX:
        digest = hashlib.sha256(str(value).encode("utf-8", "surrogatepass")).hexdigest()[:SEGMENT_HASH_CHARS]
        text = f"{text[:SEGMENT_MAX - SEGMENT_HASH_CHARS - 1].rstrip('._')}-{digest}"
    return text or default


def report_version(report: dict[str, Any]) -> str:
    """Short content hash of the masked report without volatile fields."""
    stable = {k: v for k, v in mask_secrets(report).items() if k not in VOLATILE_FIELDS}
    canonical = json.dumps(stable, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:VERSION_CHARS]


def session_day(report: dict[str, Any]) -> str:
    started = str(report["session"].get("started_at") or "")
    return started[:10] if _DAY.match(started) else "unknown-date"


@dataclass(frozen=True)
class SessionKeys:
    """The keys of one audited session version."""

    session_id: str
    day: str
    version: str
    report_prefix: str

    @classmethod
    def of(cls, report: dict[str, Any]) -> SessionKeys:
        s = report["session"]
        day, version = session_day(report), report_version(report)
        network = segment(s.get("network")).lower()
        prefix = f"reports/{network}/{segment(s.get('asset'))}/{day}/{segment(s['id'])}/v-{version}"
        return cls(segment(s["id"]), day, version, prefix)

    def report_file(self, relative: str) -> str:
        return f"{self.report_prefix}/{relative}"

    def alert(self, rule: str) -> str:
        return f"alerts/{self.day}/{self.session_id}/v-{self.version}/{segment(rule)}.json"

    @property
    def index(self) -> str:
        return f"index/date={self.day}/{self.session_id}-v-{self.version}.parquet"


def masked_body(name: str, body: bytes) -> bytes:
    """``body`` with secrets masked when it is text (JSON is masked value by value)."""
    suffix = Path(name).suffix.lower()
    if suffix not in TEXT_SUFFIXES:
        return body
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return body
    if suffix == ".json":
        try:
            data = json.loads(text)
        except ValueError:
            return mask_text(text).encode("utf-8")
        masked = mask_secrets(data)
        if masked == data:
            return body
        return (json.dumps(masked, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    masked_text = mask_text(text)
    return body if masked_text == text else masked_text.encode("utf-8")


def folder_objects(report_dir: Path, keys: SessionKeys,
                   failed_rules: set[str] | None = None) -> list[OutObject]:
    """Every file of ``report_dir`` (reports, ``data_docs/``, alerts), keyed and masked.

    With ``failed_rules``, an alert record is published only when its rule failed in this report
    version: a record left in the folder by an earlier audit that judged otherwise stays local.
    """
    objects: list[OutObject] = []
    for path in sorted(p for p in Path(report_dir).rglob("*") if p.is_file()):
        relative = path.relative_to(report_dir)
        if path.name.startswith(".") or path.name.endswith(".tmp"):
            continue  # half-written files of an atomic write in progress
        if relative.parts[0] == "alerts":
            if len(relative.parts) != 2 or path.suffix != ".json":
                continue
            if failed_rules is not None and path.stem not in failed_rules:
                continue
            key = keys.alert(path.stem)
        else:
            key = keys.report_file(relative.as_posix())
        objects.append(OutObject(key, masked_body(path.name, path.read_bytes()), content_type(path.name)))
    return objects
