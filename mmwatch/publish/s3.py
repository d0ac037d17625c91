"""``s3://bucket/prefix`` target: boto3, create-only writes, checksums checked both ways.

* **Endpoint and credentials** come from boto3's standard chain (``AWS_ENDPOINT_URL``,
  ``AWS_PROFILE``, ``~/.aws/config``, instance roles ...), so AWS, MinIO and other S3-compatible
  stores work without mmwatch settings of their own.
* **Retries**: boto3's ``standard`` retry mode (exponential backoff with jitter; attempts from
  ``AWS_MAX_ATTEMPTS`` or the profile, default 3). Timeouts are short (connect 5 s, read 15 s):
  report objects are small, and boto3's 60 s read timeout times 3 attempts held an audit for
  minutes on an endpoint that accepted connections but never answered. The outbox bounds the
  whole publish by its deadline on top of these.
* **Errors sorted**: an answer that refuses this key for good (403 on the key, 400, a key over
  1,024 bytes) is ``ObjectRejected`` (the object is marked failed, the others go on); throttling
  (429, ``SlowDown``), 408 and 5xx are transient for this object; no answer at all, no such bucket,
  bad credentials or clock skew are transient for the whole target (the flush stops and backs off).
* **Create-only**: ``PutObject`` with ``If-None-Match: *``; a store that does not support
  conditional writes gets a checked fallback (HEAD, then PUT, then verify).
* **Checksums**: ``Content-MD5`` and ``x-amz-checksum-sha256`` let the store reject a damaged
  upload; the returned ETag is compared with the MD5 we computed, and the SHA-256 travels as
  object metadata so a later run can tell "same bytes" from "other bytes" without downloading.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from mmwatch.publish.targets import (
    MAX_KEY_BYTES,
    ObjectRejected,
    PublishError,
    PutOutcome,
    StoredObject,
    TargetUnavailable,
)

#: Error codes of stores that do not implement conditional PutObject.
_NOT_SUPPORTED = {"NotImplemented", "InvalidArgument", "InvalidRequest", "UnsupportedHeader"}
#: Answers that ask us to slow down: retried later, like a 5xx.
_THROTTLING = {"SlowDown", "Throttling", "ThrottlingException", "RequestLimitExceeded", "TooManyRequests",
               "RequestThrottled", "RequestTimeout", "ServiceUnavailable", "InternalError"}
#: 4xx answers about the target as a whole (bucket, credentials, clock, region), not about the key:
#: every object would get the same, and a person fixing the setting makes them all go out.
_WHOLE_TARGET = {"NoSuchBucket", "InvalidAccessKeyId", "SignatureDoesNotMatch", "ExpiredToken",
                 "TokenRefreshRequired", "InvalidToken", "RequestTimeTooSkewed",
                 "AuthorizationHeaderMalformed", "PermanentRedirect", "AllAccessDisabled", "AccountProblem",
                 "InvalidBucketName"}
CONNECT_TIMEOUT_S = 5
READ_TIMEOUT_S = 15


def classify(op: str, where: str, exc: Exception) -> PublishError:
    """The outbox's view of a failed S3 call: rejected for good, or transient (object or target)."""
    from botocore.exceptions import ClientError

    if not isinstance(exc, ClientError):  # no answer: connection refused or reset, timeout, DNS
        return TargetUnavailable(f"s3 {op} {where}: {exc}", whole_target=True)
    status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0
    code = exc.response.get("Error", {}).get("Code", "")
    text = f"s3 {op} {where}: {code or status} {exc.response.get('Error', {}).get('Message', '')}".rstrip()
    if code in _WHOLE_TARGET:
        return TargetUnavailable(text, whole_target=True)
    if status in (408, 429) or status >= 500 or code in _THROTTLING:
        return TargetUnavailable(text)
    if 400 <= status < 500:
        return ObjectRejected(text)
    return TargetUnavailable(text)


def _b64(digest: bytes) -> str:
    return base64.b64encode(digest).decode("ascii")


class S3Target:
    """Objects in ``bucket`` under ``prefix``; ``conditional=None`` detects If-None-Match support."""

    def __init__(self, url: str, bucket: str, prefix: str, conditional: bool | None = None) -> None:
        self.url, self.bucket, self.prefix = url, bucket, prefix
        self.conditional = conditional
        self._client: Any = None

    @property
    def client(self) -> Any:
        if self._client is None:
            import boto3
            from botocore.config import Config

            config = Config(retries={"mode": "standard"}, connect_timeout=CONNECT_TIMEOUT_S,
                            read_timeout=READ_TIMEOUT_S, tcp_keepalive=True)
            self._client = boto3.session.Session().client("s3", config=config)
        return self._client

    def _full(self, key: str) -> str:
        return f"{self.prefix}/{key}" if self.prefix else key

    def link(self, key: str) -> str:
        return f"s3://{self.bucket}/{self._full(key)}"

    def _call(self, op: str, key: str, **params: Any) -> Any:
        """One S3 call; every failure but 404/412/not-supported is sorted by ``classify``."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return getattr(self.client, op)(Bucket=self.bucket, Key=key, **params)
        except ClientError as exc:
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            code = exc.response.get("Error", {}).get("Code", "")
            if status in (404, 412, 501) or code in ("PreconditionFailed", "NoSuchKey", "NotFound") \
                    or code in _NOT_SUPPORTED:
                raise
            raise classify(op, f"s3://{self.bucket}/{key}", exc) from exc
        except BotoCoreError as exc:
            raise classify(op, f"s3://{self.bucket}/{key}", exc) from exc

    def _head(self, full: str) -> dict[str, Any] | None:
        from botocore.exceptions import ClientError

        try:
            return self._call("head_object", full)
        except ClientError as exc:
            if exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") == 404 \
                    and exc.response.get("Error", {}).get("Code", "") not in _WHOLE_TARGET:
                return None
            raise classify("head_object", f"s3://{self.bucket}/{full}", exc) from exc

    def _existing(self, full: str, sha256: str, md5: str) -> PutOutcome:
        head = self._head(full)
        if head is None:  # deleted between the 412 and now: let the next run try again
            raise TargetUnavailable(f"s3://{self.bucket}/{full}: reported existing, then missing")
        stored = head.get("Metadata", {}).get("sha256")
        same = stored == sha256 if stored else head.get("ETag", "").strip('"') == md5
        return "present" if same else "kept"

    def _verify(self, full: str, response: dict[str, Any], md5: str, sha256_b64: str) -> None:
        etag = response.get("ETag", "").strip('"')
        checksum = response.get("ChecksumSHA256")
        if checksum and checksum != sha256_b64:
            raise PublishError(f"s3://{self.bucket}/{full}: stored SHA-256 {checksum} != sent {sha256_b64}")
        if len(etag) == 32 and etag != md5:  # a plain MD5 ETag (not multipart, not SSE-KMS)
            raise PublishError(f"s3://{self.bucket}/{full}: stored ETag {etag} != MD5 {md5} of the bytes")

    def put_new(self, key: str, body: bytes, content_type: str) -> PutOutcome:
        from botocore.exceptions import ClientError

        full = self._full(key)
        if len(full.encode("utf-8")) > MAX_KEY_BYTES:
            raise ObjectRejected(f"s3://{self.bucket}/{full[:80]}...: key of {len(full.encode('utf-8'))} "
                                 f"bytes is over S3's {MAX_KEY_BYTES}-byte limit")
        md5, sha = hashlib.md5(body), hashlib.sha256(body)
        params = {"Body": body, "ContentType": content_type, "ContentMD5": _b64(md5.digest()),
                  "ChecksumSHA256": _b64(sha.digest()), "Metadata": {"sha256": sha.hexdigest()}}
        if self.conditional is not False:
            try:
                response = self._call("put_object", full, IfNoneMatch="*", **params)
            except ClientError as exc:
                status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
                code = exc.response.get("Error", {}).get("Code", "")
                if status == 412 or code == "PreconditionFailed":
                    return self._existing(full, sha.hexdigest(), md5.hexdigest())
                if status != 501 and code not in _NOT_SUPPORTED:
                    raise classify("put_object", f"s3://{self.bucket}/{full}", exc) from exc
                self.conditional = False  # the store does not do If-None-Match: checked fallback below
            else:
                self.conditional = True
                self._verify(full, response, md5.hexdigest(), params["ChecksumSHA256"])
                return "created"
        if self._head(full) is not None:
            return self._existing(full, sha.hexdigest(), md5.hexdigest())
        try:
            response = self._call("put_object", full, **params)
        except ClientError as exc:
            raise classify("put_object", f"s3://{self.bucket}/{full}", exc) from exc
        self._verify(full, response, md5.hexdigest(), params["ChecksumSHA256"])
        head = self._head(full)
        if head is None or head.get("ContentLength") != len(body):
            raise PublishError(f"s3://{self.bucket}/{full}: not stored as sent (HEAD after PUT disagrees)")
        return "created"

    def list(self, prefix: str = "") -> list[StoredObject]:
        from botocore.exceptions import BotoCoreError, ClientError

        base = self._full(prefix) if prefix else (f"{self.prefix}/" if self.prefix else "")
        strip = len(f"{self.prefix}/") if self.prefix else 0
        out: list[StoredObject] = []
        try:
            pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=base)
            for page in pages:
                for obj in page.get("Contents", []):
                    out.append(StoredObject(obj["Key"][strip:], obj["Size"], obj["ETag"].strip('"'),
                                            obj["LastModified"].isoformat()))
        except (BotoCoreError, ClientError) as exc:
            raise TargetUnavailable(f"s3 list s3://{self.bucket}/{base}: {exc}", whole_target=True) from exc
        return out

    def get(self, key: str) -> bytes:
        from botocore.exceptions import ClientError

        try:
            return self._call("get_object", self._full(key))["Body"].read()
        except ClientError as exc:
            raise PublishError(f"{self.link(key)}: {exc}") from exc
