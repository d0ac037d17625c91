"""Task: write report.json, report.md and report.html of one session into ``<out>/<session id>/``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE

from mmwatch.masking import mask_secrets
from mmwatch.report.build import validate_report
from mmwatch.report.render_html import render_html
from mmwatch.report.render_md import render_markdown


def write_text_atomic(path: Path, text: str) -> None:
    """Write via a temporary file and a rename, so a reader never sees half a report."""
    tmp = path.with_name(path.name + ".tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
    except OSError as exc:  # a full disk: leave nothing half-written, name the file in the error
        tmp.unlink(missing_ok=True)
        raise OSError(exc.errno, exc.strerror, str(path)) from None


@task(name="write-reports", cache_policy=NO_CACHE)  # a side effect (files): never replay a cached result
def write_reports(report: dict[str, Any], out_dir: Path, series: dict[str, Any] | None = None) -> Path:
    """Validate ``report`` against the contract and write its three renderings; return the folder."""
    report = mask_secrets(report)  # no private key, API secret or full wallet address quoted from a log
    validate_report(report)
    folder = Path(out_dir) / report["session"]["id"]
    folder.mkdir(parents=True, exist_ok=True)
    write_text_atomic(folder / "report.json", json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    write_text_atomic(folder / "report.md", render_markdown(report))
    write_text_atomic(folder / "report.html", render_html(report, series))
    return folder
