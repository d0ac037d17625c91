"""The benchmark's log generator writes what it claims: line count, level mix, console lines, and only
the timestamps differ from the real fixtures (moving forward across repeats). No timing here."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import numpy as np

from bench import generate
from tests.conftest import fixture_log

# A small JSON fixture and the console capture, so that ~1 MB holds several repeats and console lines.
NAMES = ("2025-12-24_mm_df0e32c.log", "2025-12-28_mm_live_d966775.log")


def _strip_ts(line: bytes) -> bytes:
    return line[:14] + line[14 + 26:] if line.startswith(b'{"timestamp":"') else line


def test_generated_log_matches_its_claims(tmp_path: Path) -> None:
    fixtures_dir = fixture_log(NAMES[0]).parent
    fixture_log(NAMES[1])
    path = tmp_path / "bench.log"
    meta = generate.write_log(path, 1_000_000, fixtures_dir, NAMES)

    data = path.read_bytes()
    lines = data.splitlines()
    assert len(data) == meta["bytes"] <= 1_000_000 and data.endswith(b"\n")
    assert len(lines) == meta["lines"]

    levels: Counter[str] = Counter()
    stamps = []
    non_event = 0
    for line in lines:
        if line.startswith(b"{"):
            obj = json.loads(line)
            levels[obj["level"]] += 1
            stamps.append(np.datetime64(obj["timestamp"].rstrip("Z"), "us"))
        else:
            non_event += 1
    assert dict(levels) == meta["levels"]
    assert non_event == meta["non_event_lines"] > 0
    assert meta["repeats_started"] >= 3

    # Time only moves forward, from the generator's start, across the repeats.
    assert str(stamps[0]) + "Z" == meta["first_ts"]
    assert all(a <= b for a, b in zip(stamps, stamps[1:], strict=False))

    # Apart from the timestamps, every line is the fixtures' line, in order, repeat after repeat.
    cycle = [_strip_ts(x) for name in NAMES for x in (fixtures_dir / name).read_bytes().splitlines()]
    assert [_strip_ts(x) for x in lines] == [cycle[i % len(cycle)] for i in range(len(lines))]

    # The 1 MB appended by the incremental benchmark comes later in time than the whole log.
    extra = generate.continuation(meta, 100_000, fixtures_dir).splitlines()
    assert extra and json.loads(extra[0])["timestamp"] > json.loads(lines[-1])["timestamp"]


def test_parse_size() -> None:
    assert generate.parse_size("1GB") == 10**9
    assert generate.parse_size("50MB") == 50 * 10**6
    assert generate.parse_size("2MiB") == 2 * 2**20
