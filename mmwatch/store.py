"""The DuckDB store: open it, create the schema, run the SQL files of ``sql/``.

SQL lives in files, never in Python strings, except for trivial parameterised reads and writes of
the raw tables. A ``.sql`` file under ``sql/audit`` or ``sql/staging`` is a single ``select``; this
module turns it into a table restricted to the sessions being audited, so that running an audit
twice replaces rows instead of adding them.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import duckdb

from mmwatch.config import SQL_DIR, Settings


class StoreError(RuntimeError):
    """The DuckDB file cannot be used (locked by another process, wrong version, unreadable)."""


@cache
def read_sql(relative: str) -> str:
    """The text of ``sql/<relative>``."""
    return (SQL_DIR / relative).read_text(encoding="utf-8")


def connect(
    db_path: Path | str, read_only: bool = False, memory_limit: str | None = None
) -> duckdb.DuckDBPyConnection:
    """Open (and create) the store, with the schema and the SQL macros in place.

    DuckDB's buffer pool defaults to 80 % of RAM and keeps what a bulk load wrote: a 1 GB log
    then costs 2-3 GB of RSS. ``memory_limit`` (default: ``MMWATCH_DUCKDB_MEMORY_LIMIT``) caps it;
    DuckDB spills beyond it, at about the same speed here.
    """
    if str(db_path) != ":memory:":
        # the home folder (``.mmwatch``) is made on first use; never a chain of parents the user did
        # not name (``--db /nonexistent/dir/x.db`` is refused, see ``Settings``, not created)
        parent = Path(db_path).parent
        try:
            parent.mkdir(exist_ok=True)
        except FileNotFoundError:
            raise StoreError(f"cannot open DuckDB file {db_path}: {parent.parent} does not exist") from None
    try:
        con = duckdb.connect(str(db_path), read_only=read_only)
    except duckdb.Error as exc:  # lock held by another process, or a file from another DuckDB version
        raise StoreError(f"cannot open DuckDB file {db_path}: {exc}") from exc
    con.execute("set TimeZone = 'UTC'")
    limit = memory_limit or Settings().duckdb_memory_limit  # validated by the setting's pattern
    con.execute(f"set memory_limit = '{limit}'")
    if not read_only:
        for path in sorted((SQL_DIR / "schema").glob("*.sql")):
            con.execute(path.read_text(encoding="utf-8"))
    con.execute(read_sql("macros.sql"))
    return con


def materialize(con: duckdb.DuckDBPyConnection, name: str, scope_column: str = "session_id") -> int:
    """(Re)build table ``name`` from ``sql/<name>.sql`` for the sessions in ``scope_sessions``.

    Rows of sessions outside the scope are kept; rows of scoped sessions are replaced, so the
    same audit twice duplicates nothing. Returns the number of rows written.
    """
    table = name.split("/")[-1]
    query = read_sql(f"{name}.sql")
    con.execute(f"create table if not exists {table} as select * from ({query}) limit 0")
    _add_new_columns(con, table, query)
    con.execute(f"delete from {table} where {scope_column} in (select session_id from scope_sessions)")
    con.execute(f"insert into {table} by name select * from ({query})")
    written = con.execute(f"select count(*) from {table} join scope_sessions using (session_id)")
    return written.fetchall()[0][0]


def _add_new_columns(con: duckdb.DuckDBPyConnection, table: str, query: str) -> None:
    """A store made by an older mmwatch lacks the columns a newer SQL file adds: add them (null for
    the sessions audited before), so ``insert ... by name`` works without rebuilding the table."""
    have = {row[0] for row in con.execute(f"describe {table}").fetchall()}
    for name, column_type, *_ in con.execute(f"describe select * from ({query})").fetchall():
        if name not in have:
            con.execute(f'alter table {table} add column "{name}" {column_type}')

