"""``file:///path`` target: a folder with the same create-only semantics as S3.

A write goes to a temporary file in the destination folder, is fsynced, and is then hard-linked
to its final name: ``link`` fails when the name exists, so an existing object is never replaced,
even by two writers at once, and a reader never sees half an object. The bytes are read back and
compared by SHA-256. A folder keeps no content type; the file name's suffix says it.

Failures are sorted like S3's: a name the file system can never hold (a segment over 255 bytes,
a key over S3's 1,024 bytes, so both targets accept the same keys) rejects that object for good;
a full disk (``ENOSPC``, ``EDQUOT``, a file size limit) stops publishing with the path named and
the object queued; anything else is transient. The temporary file goes whatever happens.
"""

from __future__ import annotations

import contextlib
import errno
import os
from datetime import UTC, datetime
from pathlib import Path

from mmwatch.publish.targets import (
    MAX_KEY_BYTES,
    ObjectRejected,
    PublishError,
    PutOutcome,
    StoredObject,
    TargetFull,
    TargetUnavailable,
    sha256_hex,
)

#: errno values meaning "the disk cannot take more bytes".
DISK_FULL = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}


class FileTarget:
    def __init__(self, url: str, root: str | Path) -> None:
        self.url, self.root = url, Path(root)

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if not path.is_relative_to(self.root.resolve()):
            raise PublishError(f"key {key!r} leaves the publish folder {self.root}")
        return path

    def link(self, key: str) -> str:
        return self._path(key).as_uri()

    def put_new(self, key: str, body: bytes, content_type: str) -> PutOutcome:
        if len(key.encode("utf-8")) > MAX_KEY_BYTES:
            raise ObjectRejected(f"key of {len(key.encode('utf-8'))} bytes is over the {MAX_KEY_BYTES}-byte "
                                 f"limit: {key[:80]}...")
        path = self._path(key)
        digest = sha256_hex(body)
        tmp: Path | None = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            if path.exists():
                return "present" if sha256_hex(path.read_bytes()) == digest else "kept"
            # a short name of its own: `.<long name>.tmp` could pass the 255-byte limit the name fits
            tmp = path.with_name(f".mmwatch-{os.getpid()}-{digest[:12]}.tmp")
            with open(tmp, "wb") as fh:
                fh.write(body)
                fh.flush()
                os.fsync(fh.fileno())
            try:
                os.link(tmp, path)  # fails if the name exists: create-only, atomic
            except FileExistsError:
                return "present" if sha256_hex(path.read_bytes()) == digest else "kept"
        except OSError as exc:
            reason = exc.strerror or str(exc)
            if exc.errno == errno.ENAMETOOLONG:
                raise ObjectRejected(f"{str(path)[:200]}...: {reason}") from exc
            if exc.errno in DISK_FULL:
                raise TargetFull(f"{path}: {reason}") from exc
            raise TargetUnavailable(f"{path}: {reason}") from exc
        finally:
            if tmp is not None:
                with contextlib.suppress(OSError):
                    tmp.unlink(missing_ok=True)
        if sha256_hex(path.read_bytes()) != digest:
            raise PublishError(f"{path}: bytes read back differ from the bytes written")
        return "created"

    def list(self, prefix: str = "") -> list[StoredObject]:
        base = self._path(prefix) if prefix else self.root
        if not base.exists():
            return []
        out = []
        for path in sorted(p for p in base.rglob("*") if p.is_file() and not p.name.endswith(".tmp")):
            st = path.stat()
            out.append(StoredObject(path.relative_to(self.root).as_posix(), st.st_size, None,
                                    datetime.fromtimestamp(st.st_mtime, UTC).isoformat()))
        return out

    def get(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except OSError as exc:
            raise PublishError(f"{self._path(key)}: {exc.strerror or exc}") from exc
