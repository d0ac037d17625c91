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


#: S3's longest key, in UTF-8 bytes; a longer key is refused whatever is retried.
MAX_KEY_BYTES = 1024


class PublishError(Exception):
    """A publish that must not be retried blindly (bad URL, checksum mismatch after a write)."""


class ObjectRejected(PublishError):
    """The store refused this one object for good (403 on its key, a key too long): mark it failed.

    Retrying cannot help, and waiting for it would hold every object queued behind it; the other
    objects of the flush still go out.
    """


class TargetUnavailable(PublishError):
    """The store cannot be reached or refused for a transient reason: keep the object queued.

    ``whole_target``: no answer at all (connection refused, timeout, no such bucket, bad
    credentials): the next objects would fail the same way, so the flush stops and the target backs
    off. Otherwise (a 500 or a throttling answer for this key) only this object backs off.
    """

    def __init__(self, message: str, whole_target: bool = False) -> None:
        super().__init__(message)
        self.whole_target = whole_target


class TargetFull(TargetUnavailable):
    """The publish folder's disk is full (or a file size limit was hit): the object stays queued.

    Not a store outage but a machine problem a person must fix: the command stops with exit 2 and
    one line naming the path, instead of carrying on with a disk that cannot take the reports.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message, whole_target=True)


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
