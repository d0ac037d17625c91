"""Mask secrets in anything mmwatch writes or publishes (reports, alerts, artifacts, the terminal).

A bot log can carry what must never leave the machine: a private key (``--private-key`` echoed in
an error, a config dump), an API secret, a mnemonic, a bearer token, credentials in a URL, or a
full wallet address. Reports quote log lines (rule evidence, warning examples, templates), so every
text that goes out passes through ``mask_text`` / ``mask_secrets`` first.

**One table of secret shapes**: ``sql/seeds/secret_shapes.csv`` (``SHAPES`` here). Each ``mask``
row is a regular expression and its replacement, applied in ``step`` order (``hint``: words one of
which every match contains, a speed gate); ``part`` rows are named
pieces (``{NAME}``: the names whose value is a secret; ``{SEP}``: what may stand between a name and
its value) spelled into the mask rows that reference them. The same file is read by Python (this
module) and by the warning taxonomy's SQL (``sql/audit/warn_taxonomy.sql``), which masks each
message *before* it replaces digits with placeholders: masking after templating would find only the
letters of a bare key (``{n}c{n}a{n}...``), and each key would be a template of its own.

Why a CSV read by both, not a Python function called from SQL: the taxonomy is a plain SQL file
materialised by any connection (no function to register first), and the table stays data a
reviewer reads in one place. The price: a pattern must mean the same to Python's ``re`` and to
DuckDB's RE2, so the table uses their common subset (no look-around, no back-references inside a
pattern; ``\\1`` in replacements; ``(?i)`` only at the start). ``check_shapes`` enforces what it
can: every pattern compiles, every ``{part}`` is known.

What is kept readable, because audits need it (and masking it would hide evidence): order ids
and trade ids (decimal), client order ids (``0x`` + 32 hex), addresses' first and last 4 digits,
numbers, prices, and the names of secret fields. Transaction hashes (64 hex) are masked like keys:
the two cannot be told apart. ``tests/test_masking.py`` checks that the fixture logs and the
samples, which hold no secret, come out of masking unchanged.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from typing import Any, TypeVar

from mmwatch.config import SQL_DIR

T = TypeVar("T")

REDACTED = "<redacted>"
SHAPES_PATH = SQL_DIR / "seeds" / "secret_shapes.csv"
COLUMNS = ("step", "kind", "name", "pattern", "replacement", "hint", "note")
_PART = re.compile(r"\{([A-Z]+)\}")


@dataclass(frozen=True)
class Shape:
    """One row of the table: ``pattern`` (parts spelled in) replaced by ``replacement``."""

    step: int
    name: str
    pattern: re.Pattern[str]
    replacement: str
    #: lowercase words one of which any match contains: the row is tried only on a text holding
    #: one (``str.lower`` and ``in`` cost far less than a case-insensitive regex scan of every line)
    hints: tuple[str, ...] = ()


def load_shapes(path: Any = None) -> tuple[tuple[Shape, ...], dict[str, str]]:
    """The mask rows in step order, and the parts by name. Raises ``ValueError`` on a bad row."""
    path = path or SHAPES_PATH
    with open(path, encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        if tuple(reader.fieldnames or ()) != COLUMNS:
            raise ValueError(f"{path}: columns must be {','.join(COLUMNS)}, not {reader.fieldnames}")
        rows = sorted(reader, key=lambda r: int(r["step"]))
    parts = {r["name"]: r["pattern"] for r in rows if r["kind"] == "part"}
    shapes = []
    for r in rows:
        if r["kind"] not in ("part", "mask"):
            raise ValueError(f"{path}: step {r['step']}: kind must be part or mask, not {r['kind']!r}")
        if r["kind"] == "part":
            continue
        unknown = set(_PART.findall(r["pattern"])) - set(parts)
        if unknown:
            raise ValueError(f"{path}: step {r['step']} ({r['name']}): unknown part(s) {sorted(unknown)}")
        pattern = _PART.sub(lambda m: parts[m.group(1)], r["pattern"])
        hints = tuple(h for h in (r["hint"] or "").split("|") if h)
        shapes.append(Shape(int(r["step"]), r["name"], re.compile(pattern), r["replacement"], hints))
    return tuple(shapes), parts


SHAPES, _PARTS = load_shapes()
#: a dict key naming a secret (``private_key``, ``AWS_SECRET_ACCESS_KEY``): its value goes whole
_SECRET_KEY_NAME = re.compile(rf"^{_PARTS['NAME']}$", re.IGNORECASE)


def mask_text(text: str) -> str:
    """``text`` with every secret shape of the table masked."""
    if not text:
        return text
    low = text.lower()
    for shape in SHAPES:
        if shape.hints and not any(h in low for h in shape.hints):
            continue
        masked = shape.pattern.sub(shape.replacement, text)
        if masked != text:
            text, low = masked, masked.lower()
    return text


def is_secret_name(name: str) -> bool:
    """Whether a field or key called ``name`` holds a secret (its value is masked whole)."""
    return bool(_SECRET_KEY_NAME.match(name))


def mask_secrets(obj: T) -> T:
    """A copy of ``obj`` (dict / list / tuple / str, nested) with every string masked.

    A dict value whose key names a secret (``private_key``, ``api_secret`` ...) is replaced whole,
    whatever its shape. Numbers, booleans and None pass through unchanged.
    """
    if isinstance(obj, str):
        return mask_text(obj)  # type: ignore[return-value]
    if isinstance(obj, dict):
        out: dict[Any, Any] = {}
        for key, value in obj.items():
            name = mask_text(key) if isinstance(key, str) else key
            if isinstance(key, str) and is_secret_name(key) and value not in (None, "", "None"):
                out[name] = REDACTED
            else:
                out[name] = mask_secrets(value)
        return out  # type: ignore[return-value]
    if isinstance(obj, list):
        return [mask_secrets(v) for v in obj]  # type: ignore[return-value]
    if isinstance(obj, tuple):
        return tuple(mask_secrets(v) for v in obj)  # type: ignore[return-value]
    return obj
