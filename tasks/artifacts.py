"""Task: show an audited session in the Prefect UI (the flow run's Artifacts tab).

Three artifacts per session, keyed by the session id (lowercase, dashes) so the UI keeps one
history per session across audits: the Markdown report, a table of the rule results, and a link
to the published report. Outside a flow run (plain ``mmwatch audit``) there is no UI to show them
in, so the step does nothing. Everything shown is masked like a published report, and every
value from the log is escaped for Markdown (the UI renders table cells and descriptions as
Markdown: a cell starting with ``>`` would be a block quote, ``[x](http://…)`` a link).

The rules table is for reading at a glance: observed figures are rounded (``figure``: 4 significant
digits, at least 2 decimals, so 0.6666666666666666 reads 0.6667 and $235.14 keeps its cents), and
thresholds read ``≥ 10`` / ``≤ 0.5`` (``>= 10`` opens a block quote in the UI and reads "▍= 10").

The link artifact leads a browser to report.html (the page with the charts), which needs an
http(s) address: ``publish_http_base`` (``MMWATCH_PUBLISH_HTTP_BASE``: the address serving the
publish target's root, e.g. a website or CDN in front of the bucket) wins; else, for an ``s3://``
target reached through ``AWS_ENDPOINT_URL_S3``/``AWS_ENDPOINT_URL`` (MinIO, a local gateway), the
object's path-style URL on that endpoint (it opens when the bucket lets anonymous readers get its
reports; a private bucket answers 403, and then ``publish_http_base`` should name whatever serves
it with access control). Without either there is no address a browser opens (an
``s3://`` URL is not one, and a ``file://`` link in a web page points at the viewer's own disk,
not the worker's), so the artifact under the same key is Markdown that names the report.html
location as text (published URL or folder, else the local path) and how to get a link.
"""

from __future__ import annotations

import json
import math
import os
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from prefect import task
from prefect.cache_policies import NO_CACHE
from prefect.context import FlowRunContext, TaskRunContext

from mmwatch.config import Settings, load_settings
from mmwatch.masking import mask_secrets, mask_text
from mmwatch.report.render_md import md, md_code

RESULT = {True: "pass", False: "FAIL", None: "not evaluated"}


def artifact_key(session_id: str, kind: str) -> str:
    """``<kind>-<session id>`` in the only alphabet Prefect accepts for keys: a-z, 0-9 and dashes."""
    slug = re.sub(r"[^a-z0-9]+", "-", session_id.lower()).strip("-")
    return f"{kind}-{slug}"


def figure(value: Any) -> Any:
    """A float to 4 significant digits, at least 2 decimals (lists and dicts value by value)."""
    if isinstance(value, float) and math.isfinite(value) and value != 0:
        return round(value, max(2, 3 - math.floor(math.log10(abs(value)))))
    if isinstance(value, list):
        return [figure(v) for v in value]
    if isinstance(value, dict):
        return {k: figure(v) for k, v in value.items()}
    return value


#: a decimal literal with more digits than a reader needs, inside a text (a threshold)
_LONG_DECIMAL = re.compile(r"(?<![\d.])-?\d+\.\d{5,}(?![\d.])")
_COMPARISONS = ((">=", "≥"), ("<=", "≤"), ("!=", "≠"))


def threshold_text(value: Any) -> Any:
    """A threshold as a reader writes it: ``≥ 10``, ``≤ 0.5``, long decimals rounded; escaped."""
    if not isinstance(value, str):
        return _cell(value)
    text = _LONG_DECIMAL.sub(lambda m: repr(figure(float(m.group()))), value)
    for ascii_op, sign in _COMPARISONS:
        text = text.replace(ascii_op, sign)
    return _cell(text)


def _cell(value: Any) -> Any:
    """A table cell: numbers rounded, booleans as they are, text on one line escaped for Markdown."""
    value = figure(value)
    if value is None or isinstance(value, bool | int | float):
        return value
    return md(value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str))


def rule_rows(report: dict[str, Any]) -> list[dict[str, Any]]:
    """One table row per rule result, most severe failures first."""
    order = ("critical", "high", "medium", "info")
    def rank(r: dict[str, Any]) -> tuple[bool, int]:
        return r.get("passed") is not False, order.index(r["severity"]) if r.get("severity") in order else 9

    rules = sorted(report.get("rules") or [], key=rank)
    return [{"rule": _cell(r["id"]), "severity": _cell(r.get("severity")),
             "result": RESULT.get(r.get("passed"), "?"),
             "observed": _cell(r.get("observed")), "threshold": threshold_text(r.get("threshold")),
             "summary": _cell(r.get("summary") or r.get("title"))} for r in rules]


def _s3_endpoint() -> str | None:
    """The S3 endpoint boto3 uses when one is set in the environment (path-style URLs work there)."""
    for name in ("AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"):
        url = (os.environ.get(name) or "").strip()
        if urlsplit(url).scheme in ("http", "https"):
            return url.rstrip("/")
    return None


def report_locations(report: dict[str, Any], report_dir: Path | str, link: str | None,
                     settings: Settings) -> tuple[str | None, str]:
    """``(http(s) URL of report.html or None, where report.html is, as text)``.

    ``link`` is the published report.md (``s3://…`` or ``file://…``, ``None``: not published);
    report.html sits beside it under the same key prefix. See the module docstring for the order.
    """
    local = str((Path(report_dir) / "report.html").resolve())
    if not link:
        return None, local
    from mmwatch.publish.layout import SessionKeys

    keys = SessionKeys.of(report)
    rel_md, rel_html = keys.report_file("report.md"), keys.report_file("report.html")
    parsed = urlsplit(link)
    if parsed.scheme in ("http", "https"):
        return (link[: -len("report.md")] + "report.html" if link.endswith("report.md") else link), link
    path = parsed.path.lstrip("/") if parsed.scheme == "s3" else unquote(parsed.path)
    if not path.endswith(rel_md):  # not a link this module knows how to turn into report.html's
        return None, link
    html_path = path[: -len("report.md")] + "report.html"
    shown = f"s3://{parsed.netloc}/{html_path}" if parsed.scheme == "s3" else html_path
    if settings.publish_http_base:
        return f"{settings.publish_http_base.rstrip('/')}/{quote(rel_html)}", shown
    endpoint = _s3_endpoint() if parsed.scheme == "s3" else None
    if endpoint:
        return f"{endpoint}/{quote(parsed.netloc)}/{quote(html_path)}", shown
    return None, shown


@task(name="attach-artifacts", cache_policy=NO_CACHE)
def attach_artifacts(report: dict[str, Any], report_dir: Path | str, link: str | None,
                     settings: Settings | None = None) -> list[str]:
    """Create the session's artifacts in the current flow run; return their keys ([] outside a run).

    ``link``: the published report.md, if published. ``settings`` (``publish_http_base``) default to
    the environment's.
    """
    if FlowRunContext.get() is None and TaskRunContext.get() is None:
        return []
    from prefect.artifacts import create_link_artifact, create_markdown_artifact, create_table_artifact

    http_url, where = report_locations(report, report_dir, link, settings or load_settings())
    report = mask_secrets(report)
    s = report["session"]
    md_path = Path(report_dir) / "report.md"
    if md_path.exists():
        markdown = mask_text(md_path.read_text(encoding="utf-8"))
    else:
        from mmwatch.report.render_md import render_markdown

        markdown = mask_text(render_markdown(report))
    about = md(f"{s.get('asset') or '?'} {s.get('network') or '?'} session {s['id']} (end: {s.get('end')})")
    keys = [artifact_key(s["id"], "audit-report"), artifact_key(s["id"], "audit-rules"),
            artifact_key(s["id"], "audit-link")]
    create_markdown_artifact(markdown=markdown, key=keys[0], description=f"Audit report: {about}")
    rows = rule_rows(report) or [{"rule": "(none)", "severity": None, "result": "no rule evaluated",
                                  "observed": None, "threshold": None, "summary": None}]
    create_table_artifact(table=rows, key=keys[1], description=f"Rule results: {about}")
    if http_url:
        create_link_artifact(link=mask_text(http_url), link_text=md(f"report.html of {s['id']}"), key=keys[2],
                             description=f"Published report: {about}")
    else:
        state = "published, not served over HTTP" if link else "not published"
        hint = ("set MMWATCH_PUBLISH_HTTP_BASE to the address serving the publish target for a link"
                if link else "publish it (--publish) with an HTTP address for a link")
        create_markdown_artifact(
            markdown=f"report.html of {md(s['id'])} ({state}): `{md_code(mask_text(where))}`\n\n{hint}.",
            key=keys[2], description=f"Report location: {about}")
    return keys
