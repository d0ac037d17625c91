"""The publish target abstraction: a place that stores objects by key, **create-only**.

Two implementations share one contract (``Target.put_new``): ``s3://bucket/prefix``
(``mmwatch.publish.s3``) and ``file:///path`` (``mmwatch.publish.filesystem``). An object is
written only when its key is free; an existing key is never overwritten, whatever its content.
Keys are derived from content (``mmwatch.publish.layout``), so "the key exists" means "this content
was published before".
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Literal, Protocol
from urllib.parse import unquote, urlparse

#: What ``put_new`` found: ``created`` (we wrote it), ``present`` (already there, same bytes),
#: ``kept`` (already there with other bytes of the same content version: the first copy stays).
PutOutcome = Literal["created", "present", "kept"]


class PublishError(Exception):
    """A publish that must not be retried blindly (bad URL, checksum mismatch after a write)."""


class TargetUnavailable(PublishError):
    """The store cannot be reached or refused for a transient reason: keep the object queued."""


@dataclass(frozen=True)
class StoredObject:
    key: str
    size: int
    etag: str | None
    last_modified: str | None


class Target(Protocol):
    url: str

    def put_new(self, key: str, body: bytes, content_type: str) -> PutOutcome:
        """Write ``body`` at ``key`` unless the key exists; verify the bytes stored."""
        ...

    def link(self, key: str) -> str:
        """Where a person or tool finds the object at ``key``."""
        ...

    def list(self, prefix: str = "") -> list[StoredObject]:
        """Objects under ``prefix`` (relative to the target's own prefix)."""
        ...

    def get(self, key: str) -> bytes:
        ...


def sha256_hex(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def split_url(url: str) -> tuple[str, str, str]:
    """``(scheme, location, prefix)``: bucket or root folder, and a key prefix without slashes at the ends."""
    parsed = urlparse(url)
    if parsed.scheme == "s3":
        if not parsed.netloc:
            raise PublishError(f"publish URL {url!r} has no bucket (expected s3://bucket/prefix)")
        return "s3", parsed.netloc, parsed.path.strip("/")
    if parsed.scheme == "file":
        if parsed.netloc not in ("", "localhost"):
            raise PublishError(f"publish URL {url!r}: file URLs need an absolute path (file:///path)")
        if not parsed.path.startswith("/"):
            raise PublishError(f"publish URL {url!r}: file URLs need an absolute path (file:///path)")
        return "file", unquote(parsed.path), ""
    raise PublishError(f"publish URL {url!r} is not s3://bucket/prefix or file:///path")


def open_target(url: str) -> Target:
    """The target for ``url`` (``s3://bucket/prefix`` or ``file:///path``)."""
    scheme, location, prefix = split_url(url)
    if scheme == "s3":
        from mmwatch.publish.s3 import S3Target

        return S3Target(url, location, prefix)
    from mmwatch.publish.filesystem import FileTarget

    return FileTarget(url, location)
