"""``file:///path`` target: a folder with the same create-only semantics as S3.

A write goes to a temporary file in the destination folder, is fsynced, and is then hard-linked
to its final name: ``link`` fails when the name exists, so an existing object is never replaced,
even by two writers at once, and a reader never sees half an object. The bytes are read back and
compared by SHA-256. A folder keeps no content type; the file name's suffix says it.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

from mmwatch.publish.targets import PublishError, PutOutcome, StoredObject, TargetUnavailable, sha256_hex


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
        path = self._path(key)
        digest = sha256_hex(body)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            if path.exists():
                return "present" if sha256_hex(path.read_bytes()) == digest else "kept"
            tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
            with open(tmp, "wb") as fh:
                fh.write(body)
                fh.flush()
                os.fsync(fh.fileno())
            try:
                os.link(tmp, path)  # fails if the name exists: create-only, atomic
            except FileExistsError:
                return "present" if sha256_hex(path.read_bytes()) == digest else "kept"
            finally:
                tmp.unlink(missing_ok=True)
        except OSError as exc:
            raise TargetUnavailable(f"{path}: {exc.strerror or exc}") from exc
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
