"""Build a large, realistic bot log for the benchmarks from the real fixtures of ``../shared``.

The real logs are only a few MB. A benchmark of a 1 GB log must still look like the bot wrote it, so
the generator concatenates the real fixtures (the JSON-line logs plus the console capture, which
brings a few cargo/banner lines that are not events) into one *cycle*, and repeats the cycle until
the wanted size. Every JSON line gets a new timestamp: each fixture keeps its own spacing between
lines, fixtures follow one another with a one-minute gap, and each repeat starts after the previous
one ended, so time only moves forward across the whole file. Messages, levels and fields are the
bot's own, byte for byte; only the timestamps change.

The writer counts what it writes (lines, levels, lines that are not events) and stores the counts
next to the log, so a test can check the file against the generator's claims and the benchmark can
reuse a file of the same size instead of writing it again.
"""

from __future__ import annotations

import itertools
import json
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

#: Bump when the output changes, so a cached log from an older generator is rebuilt.
GENERATOR_VERSION = 2
FIXTURES_DIR = Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "hyper_make_logs"
#: The JSON-line fixtures and the console capture (cargo output + JSON stdout). The ANSI "pretty"
#: capture (mm_test2) is left out: the bot's log files are JSON lines.
FIXTURE_NAMES = (
    "2025-12-23_mm_cdd2646.log",
    "2025-12-23_mm_80db3bb.log",
    "2025-12-24_mm_ef0543a.log",
    "2025-12-24_mm_df0e32c.log",
    "2025-12-24_mm_242594a.log",
    "2025-12-27_mm_406c182.log",
    "2025-12-27_mm_0aca85a.log",
    "2025-12-28_mm_live_d966775.log",
    "2025-12-28_mm_634c97b.log",
    "2025-12-29_mm_6804739.log",
    "2025-12-30_mm_d50bb67.log",
)
START = np.datetime64("2026-01-01T00:00:00.000000", "us")
GAP_US = 60 * 1_000_000  # between two fixtures inside a cycle
_TS_HEAD = b'{"timestamp":"'
_TS_LEN = 26  # 2025-12-23T19:33:40.222626 (then "Z")
_LEVEL = re.compile(rb'"level":"([A-Z]+)"')

_UNITS = {"": 1, "B": 1, "KB": 10**3, "MB": 10**6, "GB": 10**9, "KIB": 2**10, "MIB": 2**20, "GIB": 2**30}


def parse_size(text: str) -> int:
    """``"1GB"`` -> 1_000_000_000 (decimal units; KiB/MiB/GiB are binary)."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([A-Za-z]*)\s*", text)
    if m is None or m.group(2).upper() not in _UNITS:
        raise ValueError(f"not a size: {text!r} (try 50MB or 1GB)")
    return int(float(m.group(1)) * _UNITS[m.group(2).upper()])


@dataclass
class Cycle:
    """One pass over every fixture, with the pieces needed to re-time it cheaply."""

    heads: list[bytes]      # '{"timestamp":"' for timed lines, b"" for the others
    tails: list[bytes]      # the rest of the line after the timestamp (from "Z"), newline included
    rel_us: np.ndarray      # microseconds from the cycle start (0 for untimed lines; unused)
    timed: np.ndarray       # bool per line
    levels: list[str]       # level of each line, "" for lines that are not JSON events
    duration_us: int


def load_cycle(fixtures_dir: Path = FIXTURES_DIR, names: tuple[str, ...] = FIXTURE_NAMES) -> Cycle:
    heads: list[bytes] = []
    tails: list[bytes] = []
    rel: list[int] = []
    timed: list[bool] = []
    levels: list[str] = []
    cursor = 0
    for name in names:
        path = fixtures_dir / name
        if not path.exists():
            raise FileNotFoundError(f"fixture {path} not found (the benchmark needs ../shared/fixtures)")
        first: np.datetime64 | None = None
        last_rel = 0
        for line in path.read_bytes().splitlines(keepends=True):
            if not line.endswith(b"\n"):
                line += b"\n"
            is_timed = line.startswith(_TS_HEAD) and line[14 + _TS_LEN:14 + _TS_LEN + 2] == b'Z"'
            if is_timed:
                ts = np.datetime64(line[14:14 + _TS_LEN].decode(), "us")
                first = ts if first is None else first
                last_rel = int((ts - first) // np.timedelta64(1, "us"))
                heads.append(_TS_HEAD)
                tails.append(line[14 + _TS_LEN:])
                rel.append(cursor + last_rel)
                m = _LEVEL.search(line)
                levels.append(m.group(1).decode() if m else "")
            else:
                heads.append(b"")
                tails.append(line)
                rel.append(0)
                levels.append("")
            timed.append(is_timed)
        cursor += last_rel + GAP_US
    return Cycle(heads, tails, np.array(rel, dtype=np.int64), np.array(timed), levels, cursor)


def _render(cycle: Cycle, index: int) -> list[bytes]:
    """The lines of repeat number ``index`` with their new timestamps."""
    ts = START + np.timedelta64(index * cycle.duration_us, "us") + cycle.rel_us.astype("timedelta64[us]")
    stamps = np.datetime_as_string(ts, unit="us").astype(f"S{_TS_LEN}").tolist()
    stamps = [s if t else b"" for s, t in zip(stamps, cycle.timed.tolist(), strict=True)]
    return [b"".join(parts) for parts in zip(cycle.heads, stamps, cycle.tails, strict=True)]


def _take(cycle: Cycle, index: int, budget: int) -> tuple[bytes, int]:
    """Whole lines of repeat ``index`` up to ``budget`` bytes; (data, number of lines)."""
    lines = _render(cycle, index)
    sizes = np.cumsum([len(x) for x in lines])
    n = int(np.searchsorted(sizes, budget, side="right"))
    return b"".join(lines[:n]), n


def write_log(path: Path, size: int, fixtures_dir: Path = FIXTURES_DIR,
              names: tuple[str, ...] = FIXTURE_NAMES) -> dict:
    """Write about ``size`` bytes (whole lines, never more than ``size``) to ``path``; return the counts.

    The counts are also written to ``<path>.meta.json``.
    """
    cycle = load_cycle(fixtures_dir, names)
    path.parent.mkdir(parents=True, exist_ok=True)
    written = lines = 0
    levels: Counter[str] = Counter()
    cycle_levels = Counter(cycle.levels)
    index = 0
    tmp = path.with_suffix(path.suffix + ".part")
    with tmp.open("wb") as fh:
        while written < size:
            data, n = _take(cycle, index, size - written)
            if n == 0:
                break
            fh.write(data)
            written += len(data)
            lines += n
            levels.update(cycle_levels if n == len(cycle.levels) else Counter(cycle.levels[:n]))
            index += 1
            if n < len(cycle.levels):
                break  # the next line would not fit: stop here, the file is whole repeats plus a prefix
    tmp.replace(path)
    meta = {
        "generator_version": GENERATOR_VERSION,
        "requested_bytes": size,
        "bytes": written,
        "lines": lines,
        "levels": {k: v for k, v in sorted(levels.items()) if k},
        "non_event_lines": levels.get("", 0),
        "repeats_started": index,
        "cycle_bytes": sum(map(len, cycle.heads + cycle.tails)) + _TS_LEN * int(cycle.timed.sum()),
        "cycle_lines": len(cycle.levels),
        "fixtures": list(names),
        "first_ts": str(START) + "Z",
    }
    path.with_name(path.name + ".meta.json").write_text(json.dumps(meta, indent=1) + "\n")
    return meta


def cached_log(out_dir: Path, size: int, fixtures_dir: Path = FIXTURES_DIR) -> tuple[Path, dict, bool]:
    """The benchmark log of ``size`` bytes in ``out_dir``, written only when missing or stale.

    Returns (path, counts, reused).
    """
    path = out_dir / f"bench_{size}.log"
    meta_path = path.with_name(path.name + ".meta.json")
    if path.exists() and meta_path.exists():
        meta = json.loads(meta_path.read_text())
        same = tuple(meta.get(k) for k in ("generator_version", "fixtures", "requested_bytes", "bytes"))
        if same == (GENERATOR_VERSION, list(FIXTURE_NAMES), size, path.stat().st_size):
            return path, meta, True
    return path, write_log(path, size, fixtures_dir), False


def continuation(meta: dict, size: int, fixtures_dir: Path = FIXTURES_DIR) -> bytes:
    """About ``size`` bytes of whole lines that could follow the log ``meta`` describes (later in time)."""
    cycle = load_cycle(fixtures_dir, tuple(meta["fixtures"]))
    data = b""
    for index in itertools.count(meta["repeats_started"]):
        chunk, n = _take(cycle, index, size - len(data))
        data += chunk
        if n < len(cycle.levels):
            return data
