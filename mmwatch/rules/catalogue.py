"""Read the rule catalogue from the GX suite JSON files, without importing GX (it takes ~5 s).

Every expectation must name its rule in ``meta.rule_id`` (equal to its ``column``), carry one of
the four severities, and have a SQL file ``sql/rules/<RULE-ID>.sql``; anything else is a
configuration error reported in one line, before any audit work.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mmwatch.config import SEVERITIES, SQL_DIR
from mmwatch.ingest import InputError

RULES_SQL_DIR = SQL_DIR / "rules"
SUPPORTED_TYPES = ("expect_column_values_to_be_between", "expect_column_values_to_be_in_set")


class RuleConfigError(InputError):
    """The expectations folder or a rule definition is unusable.

    An ``InputError``, so ``mmwatch audit`` reports it in one line and exits 2 (bad usage).
    """


@dataclass(frozen=True)
class RuleSpec:
    """One rule: its expectation (as stored in the suite JSON) and what the report shows of it."""

    rule_id: str
    title: str
    severity: str
    suite: str
    expectation: dict[str, Any]
    remediation: str | None = None
    #: the event kinds (message catalogue, sql/seeds/messages.csv) the rule reads: without a line of
    #: one of them in the session, the rule is not evaluated
    kinds: tuple[str, ...] = ()
    #: the kinds a counting rule counts: a count of 0 is evidence only when the session's code era
    #: logs one of them at a level the log carries
    counts: tuple[str, ...] = ()

    @property
    def sql_path(self) -> Path:
        return RULES_SQL_DIR / f"{self.rule_id}.sql"

    @property
    def threshold(self) -> str:
        """The pass condition in words, e.g. ``< 0.25`` or ``in [stopped]``."""
        return threshold_text(self.expectation["type"], self.expectation.get("kwargs", {}))


@dataclass(frozen=True)
class Suite:
    name: str
    path: Path
    data: dict[str, Any]
    rules: list[RuleSpec] = field(default_factory=list)


def _num(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def threshold_text(kind: str, kwargs: dict[str, Any]) -> str:
    if kind == "expect_column_values_to_be_in_set":
        return "in [" + ", ".join(str(v) for v in kwargs.get("value_set", [])) + "]"
    lo, hi = kwargs.get("min_value"), kwargs.get("max_value")
    lo_op = ">" if kwargs.get("strict_min") else ">="
    hi_op = "<" if kwargs.get("strict_max") else "<="
    if lo is not None and hi is not None:
        return f"{lo_op} {_num(lo)} and {hi_op} {_num(hi)}"
    if lo is not None:
        return f"{lo_op} {_num(lo)}"
    if hi is not None:
        return f"{hi_op} {_num(hi)}"
    return "any value"


def _rule(suite: str, path: Path, exp: dict[str, Any]) -> RuleSpec:
    meta = exp.get("meta") or {}
    column = (exp.get("kwargs") or {}).get("column")
    rule_id = meta.get("rule_id")
    where = f"{path.name}: expectation {rule_id or column or '?'}"
    if not rule_id or rule_id != column:
        raise RuleConfigError(f"{where}: meta.rule_id must equal kwargs.column ({rule_id!r} / {column!r})")
    if exp.get("type") not in SUPPORTED_TYPES:
        supported = ", ".join(SUPPORTED_TYPES)
        raise RuleConfigError(f"{where}: type {exp.get('type')!r} not supported (use {supported})")
    severity = meta.get("severity")
    if severity not in SEVERITIES:
        raise RuleConfigError(f"{where}: meta.severity {severity!r} is not one of {', '.join(SEVERITIES)}")
    kinds, counts = meta.get("kinds", []), meta.get("counts", [])
    if not isinstance(kinds, list) or not isinstance(counts, list) or not set(counts) <= set(kinds):
        raise RuleConfigError(f"{where}: meta.kinds must be a list of event kinds, meta.counts a part of it")
    spec = RuleSpec(rule_id=rule_id, title=meta.get("title") or exp.get("description") or rule_id,
                    severity=severity, suite=suite, expectation=exp, remediation=meta.get("remediation"),
                    kinds=tuple(kinds), counts=tuple(counts))
    if not spec.sql_path.exists():
        raise RuleConfigError(f"{where}: no SQL file {spec.sql_path.relative_to(SQL_DIR.parent)}")
    return spec


def load_catalogue(expectations_dir: Path) -> list[Suite]:
    """The suites of ``expectations_dir/*.json`` (sorted by file name), each with its rules."""
    folder = Path(expectations_dir)
    if not folder.is_dir():
        raise RuleConfigError(f"expectations folder {folder} not found")
    suites: list[Suite] = []
    seen: dict[str, str] = {}
    for path in sorted(folder.glob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise RuleConfigError(f"{path}: not a readable suite JSON ({exc})") from None
        name = data.get("name") or path.stem
        rules = [_rule(name, path, exp) for exp in data.get("expectations", [])]
        for rule in rules:
            if rule.rule_id in seen:
                raise RuleConfigError(f"{path.name}: rule {rule.rule_id} is also in {seen[rule.rule_id]}")
            seen[rule.rule_id] = path.name
        suites.append(Suite(name=name, path=path, data=data, rules=rules))
    if not seen:
        raise RuleConfigError(f"no expectations found in {folder}")
    return suites
