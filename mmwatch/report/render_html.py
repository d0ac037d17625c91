"""report.html: the Markdown report's content as a self-contained page (no network needed)."""

from __future__ import annotations

import html
from typing import Any

from mmwatch.report.render_md import render_markdown


def render_html(report: dict[str, Any], series: dict[str, Any] | None = None) -> str:
    body = html.escape(render_markdown(report))
    title = html.escape(report["session"]["id"])
    return f"<!doctype html><html><head><meta charset='utf-8'><title>{title}</title></head><body><pre>{body}</pre></body></html>\n"
