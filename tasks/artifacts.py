"""Task: show an audited session in the Prefect UI (the flow run's Artifacts tab).

Three artifacts per session, keyed by the session id (lowercase, dashes) so the UI keeps one
history per session across audits: the Markdown report, a table of the rule results, and a link
to the published report. Outside a flow run (plain ``mmwatch audit``) there is no UI to show them
in, so the step does nothing. Everything shown is masked like a published report, and every
value from the log is escaped for Markdown (the UI renders table cells and descriptions as
Markdown: a cell starting with ``>`` would be a block quote, ``[x](http://…)`` a link).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE
from prefect.context import FlowRunContext, TaskRunContext

from mmwatch.masking import mask_secrets, mask_text
from mmwatch.report.render_md import md

RESULT = {True: "pass", False: "FAIL", None: "not evaluated"}


def artifact_key(session_id: str, kind: str) -> str:
    """``<kind>-<session id>`` in the only alphabet Prefect accepts for keys: a-z, 0-9 and dashes."""
    slug = re.sub(r"[^a-z0-9]+", "-", session_id.lower()).strip("-")
    return f"{kind}-{slug}"


def _cell(value: Any) -> Any:
    """A table cell: numbers and booleans as they are, text on one line and escaped for Markdown."""
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
             "observed": _cell(r.get("observed")), "threshold": _cell(r.get("threshold")),
             "summary": _cell(r.get("summary") or r.get("title"))} for r in rules]


@task(name="attach-artifacts", cache_policy=NO_CACHE)
def attach_artifacts(report: dict[str, Any], report_dir: Path | str, link: str | None) -> list[str]:
    """Create the session's artifacts in the current flow run; return their keys ([] outside a run)."""
    if FlowRunContext.get() is None and TaskRunContext.get() is None:
        return []
    from prefect.artifacts import create_link_artifact, create_markdown_artifact, create_table_artifact

    report = mask_secrets(report)
    s = report["session"]
    md_path = Path(report_dir) / "report.md"
    if md_path.exists():
        markdown = mask_text(md_path.read_text(encoding="utf-8"))
    else:
        from mmwatch.report.render_md import render_markdown

        markdown = mask_text(render_markdown(report))
    about = md(f"{s.get('asset') or '?'} {s.get('network') or '?'} session {s['id']} (end: {s.get('end')})")
    keys = [artifact_key(s["id"], "audit-report"), artifact_key(s["id"], "audit-rules")]
    create_markdown_artifact(markdown=markdown, key=keys[0], description=f"Audit report: {about}")
    rows = rule_rows(report) or [{"rule": "(none)", "severity": None, "result": "no rule evaluated",
                                  "observed": None, "threshold": None, "summary": None}]
    create_table_artifact(table=rows, key=keys[1], description=f"Rule results: {about}")
    if link:
        keys.append(artifact_key(s["id"], "audit-link"))
        create_link_artifact(link=link, link_text=md(f"report.md of {s['id']}"), key=keys[2],
                             description=f"Published report: {about}")
    return keys
