"""The message catalogue: which event kind each message template of each bot code era is.

The catalogue is data (``sql/seeds/messages.csv``, a dbt-style seed): one row per template and era,
with its match (exact, prefix, regex), level, target, span, fields and the commits where it appears
and disappears. Staging classifies every event once against it (``sql/staging/stg_kinds.sql``), and
everything downstream reads kinds, never message text. Supporting the bot's next version is new
rows in the seed plus a test.
"""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb

from mmwatch.config import SQL_DIR
from mmwatch.ingest import InputError
from mmwatch.store import read_sql

CATALOGUE_PATH = SQL_DIR / "seeds" / "messages.csv"

#: The code eras the catalogue knows, oldest first. mar-2026 is the February-March code up to
#: 6c17115 (2026-03-13), the newest commit of the bot's main branch.
ERAS = ("dec-2025", "jan-2026", "mar-2026")
COLUMNS = ("kind", "family", "match", "pattern", "level", "target", "span", "fields", "eras", "since",
           "until", "source", "note")
MATCHES = ("exact", "prefix", "regex")
LEVELS = ("TRACE", "DEBUG", "INFO", "WARN", "ERROR")


class CatalogueError(InputError):
    """The message catalogue file is malformed (a row an audit cannot use): exit 2, like bad input."""


def check_catalogue(path: Path | None = None) -> int:
    """Validate the seed (columns, match types, levels, eras, one kind per template); return its row count.

    Why here and not in SQL: a bad row should fail with the row's line number before any log is read.
    """
    path = path or CATALOGUE_PATH
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        if tuple(reader.fieldnames or ()) != COLUMNS:
            raise CatalogueError(f"{path}: columns must be {','.join(COLUMNS)}, not {reader.fieldnames}")
        kinds: dict[tuple[str, str], str] = {}
        rows = 0
        for row in reader:
            rows += 1
            where = f"{path.name} line {reader.line_num}"
            if row["match"] not in MATCHES:
                raise CatalogueError(f"{where}: match must be one of {MATCHES}, not {row['match']!r}")
            if row["level"].upper() not in LEVELS:
                raise CatalogueError(f"{where}: level {row['level']!r} is not a tracing level")
            # empty: a template no era's live path writes (e.g. added and made dead between two eras)
            eras = row["eras"].split("|") if row["eras"] else []
            if not set(eras) <= set(ERAS):
                raise CatalogueError(f"{where}: eras {row['eras']!r} must be among {'|'.join(ERAS)}")
            if not row["kind"] or not row["pattern"]:
                raise CatalogueError(f"{where}: kind and pattern are required")
            if row["match"] == "regex" and not row["pattern"].startswith("^"):
                raise CatalogueError(f"{where}: a regex pattern must be anchored with ^")
            key = (row["match"], row["pattern"])
            if kinds.setdefault(key, row["kind"]) != row["kind"]:
                raise CatalogueError(f"{where}: {row['pattern']!r} is already kind {kinds[key]!r}")
    return rows


def load_catalogue(con: duckdb.DuckDBPyConnection, path: Path | None = None) -> None:
    """Create temp table ``stg_catalogue`` on ``con`` from the seed."""
    path = path or CATALOGUE_PATH
    check_catalogue(path)
    con.execute("set variable mmwatch_catalogue = ?", [str(path)])
    con.execute(f"create or replace temp table stg_catalogue as {read_sql('staging/stg_catalogue.sql')}")
    con.execute(read_sql("staging/message_kind.sql"))


def classify(con: duckdb.DuckDBPyConnection) -> None:
    """Create temp table ``stg_kinds`` (the kind of every classified event of the scoped sources)."""
    load_catalogue(con)
    con.execute(f"create or replace temp table stg_kinds as {read_sql('staging/stg_kinds.sql')}")
