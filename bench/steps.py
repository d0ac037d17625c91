"""The measured steps that are not a CLI command, each run as ``python -m bench.steps STEP LOG DB``.

Each prints one JSON line: the seconds of the work itself (``work_s``, after the imports) and the
row counts, so the parent can check the step did the whole job. Imports are inside each step so the
DuckDB ceiling does not pay for importing mmwatch.
"""

from __future__ import annotations

import json
import sys
import time

#: The same columns and object size limit mmwatch's bulk path asks DuckDB for (mmwatch/ingest.py).
CEILING_COLUMNS = {"timestamp": "VARCHAR", "level": "VARCHAR", "fields": "JSON", "target": "VARCHAR",
                   "span": "JSON", "spans": "JSON"}
CEILING_MAX_OBJECT = 16 * 1024 * 1024


def duckdb_read_json(log: str, db: str) -> dict:
    """The ceiling: DuckDB's own reader loads the whole file into a table of a new database file."""
    import duckdb

    start = time.perf_counter()
    con = duckdb.connect(db)
    rel = con.read_json(log, format="newline_delimited", ignore_errors=True, columns=CEILING_COLUMNS,
                        maximum_object_size=CEILING_MAX_OBJECT)
    rel.create("raw")
    rows = con.execute("select count(*) from raw").fetchall()[0][0]
    con.close()
    return {"work_s": time.perf_counter() - start, "rows": rows}


def pull(log: str, db: str, final: bool = True) -> dict:
    """``mmwatch.ingest.pull_file`` into ``db`` (used when the ``mmwatch pull`` command is not there)."""
    from mmwatch.ingest import pull_file
    from mmwatch.store import connect

    start = time.perf_counter()
    con = connect(db)
    result = pull_file(con, log, final=final)
    con.close()
    return {"work_s": time.perf_counter() - start, "events": result.events, "other": result.other,
            "bytes_read": result.bytes_read}


def incremental(log: str, db: str) -> dict:
    """Pull what was appended to an already loaded source: open the store, read the new bytes, close.

    Imports happen before the clock starts, and pyarrow is touched once first: its first table makes
    it import pandas (about 1 s here), a fixed cost of any new process, reported apart as the step's
    wall time.
    """
    import pyarrow as pa

    from mmwatch.ingest import pull_file
    from mmwatch.store import connect

    pa.table({"warm": [0]})
    start = time.perf_counter()
    con = connect(db)
    result = pull_file(con, log, final=False)
    con.close()
    return {"work_s": time.perf_counter() - start, "events": result.events, "other": result.other,
            "bytes_read": result.bytes_read, "new_source": result.new_source}


STEPS = {"duckdb": duckdb_read_json, "pull": pull, "incremental": incremental}

if __name__ == "__main__":
    step, log, db = sys.argv[1:4]
    print(json.dumps(STEPS[step](log, db)))
