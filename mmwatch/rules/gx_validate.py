"""Judge the observed values with Great Expectations (pandas route) and optionally write Data Docs.

Why pandas and not GX's SQL datasource on DuckDB: the SQL route needs a monkeypatch of GX's
SQLAlchemy engine (duckdb-engine loses result sets; stack_notes §4b) and holds its own connection
to the DuckDB file, which conflicts with the audit's read-write connection in the same process.
The rule SQL already reduced each rule to one observed value per session, so the batch GX sees is
one small row: one column per rule id. GX is imported on first use only (it takes ~5 s), with its
progress bars off.
"""

from __future__ import annotations

import copy
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mmwatch.rules.catalogue import RuleConfigError, Suite

SITE = "mmwatch_run"
SUITE = "mmwatch_rules"


@dataclass
class GxOutcome:
    success: list[dict[str, bool]]    # per row: rule id -> GX success of its expectation on that row
    docs_index: Path | None           # index.html of the Data Docs site, when written
    seconds: dict[str, float]         # timings: validate, data_docs


def _exception_message(info: Any) -> str | None:
    """GX reports a failed metric as exception_info (flat, or keyed by metric id); it never raises."""
    if not info:
        return None
    entries = [info] if "raised_exception" in info else list(info.values())
    for entry in entries:
        if isinstance(entry, dict) and entry.get("raised_exception"):
            return str(entry.get("exception_message") or "unknown GX error")
    return None


def _prune_static(site: Path) -> None:
    """Drop GX's unreferenced static images (3.4 MB of tutorial GIFs) so a report folder stays small."""
    images = site / "static" / "images"
    if not images.is_dir():
        return
    pages = " ".join(p.read_text(encoding="utf-8", errors="ignore")
                     for p in site.rglob("*") if p.suffix in (".html", ".css"))
    for image in images.iterdir():
        if image.name not in pages:
            image.unlink()


def validate(
    suites: list[Suite], rows: list[dict[str, Any]], run_name: str, docs_dir: Path | None
) -> GxOutcome:
    """Validate every suite against the batch ``rows`` (one row per session; column = rule id,
    value = observed) in one GX run: GX's fixed cost per run (~1 s: context, suite, checkpoint,
    Data Docs templates) is paid once per audit, not once per session. A row fails an expectation
    when GX lists its index among the unexpected ones (``result_format`` COMPLETE)."""
    started = time.perf_counter()
    with warnings.catch_warnings():  # GX imports the deprecated sre_* modules; not ours to report
        warnings.simplefilter("ignore", DeprecationWarning)
        import great_expectations as gx
    import pandas as pd
    from great_expectations.core.expectation_suite import ExpectationSuite
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    # No default (temporary-folder) docs site: the only site is the one asked for.
    context = gx.get_context(mode="ephemeral", project_config=DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False)))
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    batch = (context.data_sources.add_pandas("mmwatch")
             .add_dataframe_asset("session_rules")
             .add_batch_definition_whole_dataframe("session"))
    # The suite files split the catalogue by topic; GX validates them as one suite (one validator
    # pass and one Data Docs page instead of one per file: measured 3-5x faster).
    expectations = []
    for suite in suites:
        for exp in suite.data.get("expectations", []):
            exp = copy.deepcopy(exp)
            exp.pop("id", None)
            exp.setdefault("meta", {})["suite_file"] = suite.path.name
            expectations.append(exp)
    try:
        gx_suite = context.suites.add(ExpectationSuite(name=SUITE, expectations=expectations))
    except Exception as exc:  # GX rejects a malformed expectation with many exception types
        raise RuleConfigError(f"GX cannot load the expectations: {exc}") from None
    definition = context.validation_definitions.add(
        gx.ValidationDefinition(name=SUITE, data=batch, suite=gx_suite))
    if docs_dir is not None:
        docs_dir.mkdir(parents=True, exist_ok=True)
        context.add_data_docs_site(SITE, {
            "class_name": "SiteBuilder",
            "store_backend": {"class_name": "TupleFilesystemStoreBackend",
                              "base_directory": str(docs_dir.resolve())},  # GX requires an absolute path
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
            "site_section_builders": {"profiling": "0"},
        })
    checkpoint = context.checkpoints.add(gx.Checkpoint(
        name="mmwatch_rules", validation_definitions=[definition], actions=[],
        result_format={"result_format": "COMPLETE"}))
    frame = pd.DataFrame(rows, index=range(len(rows)))
    t_validate = time.perf_counter()
    result = checkpoint.run(batch_parameters={"dataframe": frame}, run_id=RunIdentifier(run_name=run_name))
    seconds = {"import_and_setup": t_validate - started, "validate": time.perf_counter() - t_validate}
    success: list[dict[str, bool]] = [{} for _ in rows]
    for suite_result in result.run_results.values():
        for r in suite_result.results:
            column = r.expectation_config.kwargs["column"]
            error = _exception_message(r.exception_info)
            if error is not None:
                raise RuleConfigError(f"rule {column}: GX could not evaluate it: {error}")
            unexpected = set((r.result or {}).get("unexpected_index_list") or [])
            if not r.success and not unexpected and len(rows) == 1:
                unexpected = {0}  # a table-level failure without row indexes
            for i, row_success in enumerate(success):
                row_success[column] = i not in unexpected
    index = None
    if docs_dir is not None:
        t_docs = time.perf_counter()
        context.build_data_docs(site_names=[SITE])
        _prune_static(docs_dir)
        index = docs_dir / "index.html"
        seconds["data_docs"] = time.perf_counter() - t_docs
    return GxOutcome(success, index, seconds)
