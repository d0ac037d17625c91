"""Benchmark: ingest and audit speed against DuckDB's own reader and ``grep`` (``make bench``).

    python -m bench.run [--quick] [--size 1GB] [--runs N]

On one generated log (``bench.generate``: the real fixtures repeated and re-timed), in the same run:

(a) DuckDB's own ``read_json`` of the file into a table: the ceiling for any DuckDB-based loader;
(b) ``grep -c WARN`` and ``grep -c "Untracked order filled"``: what the hand-written audit used;
(c) ``mmwatch pull`` into an empty database (``pull_file`` in a child process until the command exists);
(d) ``mmwatch audit`` end to end (pull, SQL, rules, reports) into an empty database;
(e) an incremental pull of 1 MB appended to an already loaded source, for a small and the full source,
    to show it does not depend on the source's size;
(f) the peak resident memory of each step.

Each step is a child process; each figure is the median of ``--runs`` runs. The page cache is warmed
first (the log is read once), so the figures are CPU-bound, not disk-bound. The last line printed is
one JSON object with the headline figures; ``bench/results.md`` gets the full table (``--quick`` writes
``bench/out/results_quick.md`` instead, so a quick check never overwrites the real numbers).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from bench import generate, measure

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
WORK = OUT / "work"
RESULTS_MD = ROOT / "bench" / "results.md"
FINDINGS_MD = ROOT / "bench" / "findings.md"
MB = 10**6
APPEND_BYTES = 1 * MB
GREPS = ("WARN", "Untracked order filled")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="a 10 MB log, one run (under a minute)")
    p.add_argument("--size", help="log size, e.g. 300MB or 1GB (default 1GB, quick 10MB)")
    p.add_argument("--runs", type=int, help="runs per step; the median is reported (default 3, quick 1)")
    p.add_argument("--audit-runs", type=int,
                   help="runs of the (slow) end-to-end audit, at most --runs (default: --runs)")
    p.add_argument("--render", metavar="JSON", type=Path,
                   help="only rewrite results.md from a saved bench/out/results.json (no measuring)")
    args = p.parse_args(argv)
    try:
        args.size_bytes = generate.parse_size(args.size or ("10MB" if args.quick else "1GB"))
    except ValueError as exc:
        p.error(str(exc))
    args.runs = args.runs or (1 if args.quick else 3)
    args.audit_runs = min(args.audit_runs or args.runs, args.runs)
    if args.audit_runs < 1 or args.size_bytes < 2 * MB:
        p.error("--runs and --audit-runs must be >= 1 and --size >= 2MB")
    return args


def child_env(home: Path) -> dict[str, str]:
    """The environment of the measured commands: plain (no Prefect server), nothing published.

    Byte code is cached (in ``bench/out/pycache``, not in the venv) even where
    ``PYTHONDONTWRITEBYTECODE`` is set, as on any machine after the first run: otherwise every child
    would compile GX, Prefect and pandas from source again (about 9 s per ``mmwatch audit`` here).
    """
    drop = ("PREFECT_API_URL", "PYTHONDONTWRITEBYTECODE")
    env = {k: v for k, v in os.environ.items() if not k.startswith("MMWATCH_") and k not in drop}
    env["PYTHONPYCACHEPREFIX"] = str(OUT / "pycache")
    env["MMWATCH_HOME"] = str(home)
    env.setdefault("PREFECT_HOME", str(home / "prefect"))
    env.setdefault("DO_NOT_TRACK", "1")
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def mmwatch_cmd() -> list[str]:
    exe = Path(sys.executable).parent / "mmwatch"
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "mmwatch.cli"]


def have_pull_command(env: dict[str, str]) -> bool:
    """True once ``mmwatch pull`` is the real command (it takes ``--db``), not the placeholder."""
    proc = subprocess.run([*mmwatch_cmd(), "pull", "--help"], capture_output=True, text=True, env=env,
                          cwd=ROOT, check=False)
    return proc.returncode == 0 and "--db" in proc.stdout


def fresh(path: Path) -> Path:
    """``path`` with nothing there (a DuckDB file and its WAL, or a folder)."""
    for p in (path, path.with_name(path.name + ".wal")):
        if p.is_dir():
            shutil.rmtree(p)
        elif p.exists():
            p.unlink()
    return path


def warm(path: Path) -> None:
    with path.open("rb") as fh:
        while fh.read(64 * MB):
            pass


def store_counts(db: Path) -> tuple[int, int]:
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        return (con.execute("select count(*) from events").fetchall()[0][0],
                con.execute("select count(*) from other_lines").fetchall()[0][0])
    finally:
        con.close()


def steps_cmd(step: str, log: Path, db: Path) -> list[str]:
    return [sys.executable, "-m", "bench.steps", step, str(log), str(db)]


def pull_step(log: Path, db: Path, env: dict[str, str], use_cli: bool) -> measure.Measured:
    cli = [*mmwatch_cmd(), "pull", str(log), "--db", str(db), "--no-prefect"]
    cmd = cli if use_cli else steps_cmd("pull", log, db)
    return measure.run(cmd, env=env, cwd=ROOT)


def incremental_step(log: Path, meta: dict, db: Path, env: dict[str, str]) -> dict[str, dict]:
    """Append 1 MB of later lines to the loaded ``log`` and pull it, three times; then cut the log back.

    The first two pulls after a bulk load pay a one-time DuckDB cost (its first checkpoints after a
    write reorganise the row groups the bulk load committed; see bench/findings.md); the third is the
    steady state of a supervisor pulling every minute. All are reported.
    """
    extra = generate.continuation(meta, 3 * APPEND_BYTES)
    cuts = [0, *(extra.rfind(b"\n", 0, k * APPEND_BYTES) + 1 for k in (1, 2)), len(extra)]
    parts = [extra[a:b] for a, b in zip(cuts, cuts[1:], strict=False)]
    size = log.stat().st_size
    out: dict[str, dict] = {}
    try:
        for name, part in zip(("after_bulk", "second", "steady"), parts, strict=True):
            with log.open("ab") as fh:
                fh.write(part)
            m = measure.run(steps_cmd("incremental", log, db), env=env, cwd=ROOT)
            res = json.loads(m.stdout.strip().splitlines()[-1])
            if res["new_source"] or res["bytes_read"] != len(part):
                raise RuntimeError(f"incremental pull read {res['bytes_read']} bytes of {len(part)} "
                                   f"(new source: {res['new_source']})")
            out[name] = {"work_s": res["work_s"], "wall_s": m.wall_s, "rss_mb": m.peak_rss_mb,
                         "bytes": len(part), "events": res["events"]}
    finally:
        os.truncate(log, size)
    return out


def progress(text: str) -> None:
    print(f"  {datetime.now(UTC).strftime('%H:%M:%S')} {text}", file=sys.stderr, flush=True)


def one_run(main: Path, main_meta: dict, small: Path, small_meta: dict, env: dict[str, str],
            use_cli: bool, audit: bool) -> dict:
    r: dict = {}
    progress("(a) duckdb read_json")
    db = fresh(WORK / "ceiling.duckdb")
    m = measure.run(steps_cmd("duckdb", main, db), env=env, cwd=ROOT)
    out = json.loads(m.stdout.strip().splitlines()[-1])
    r["duckdb"] = {"wall_s": m.wall_s, "work_s": out["work_s"], "cpu_s": m.cpu_s, "rss_mb": m.peak_rss_mb,
                   "rows": out["rows"]}
    fresh(db)

    for pattern in GREPS:
        m = measure.run(["grep", "-c", pattern, str(main)], env=env, check=False)
        if m.returncode not in (0, 1):
            raise RuntimeError(f"grep exited {m.returncode}: {m.stderr.strip()}")
        r[f"grep {pattern}"] = {"wall_s": m.wall_s, "cpu_s": m.cpu_s, "rss_mb": m.peak_rss_mb,
                                "count": int(m.stdout.strip() or 0)}

    progress("(c) pull")
    db = fresh(WORK / "pull_main.duckdb")
    m = pull_step(main, db, env, use_cli)
    events, other = store_counts(db)
    work = json.loads(m.stdout.strip().splitlines()[-1])["work_s"] if not use_cli else None
    r["pull"] = {"wall_s": m.wall_s, "work_s": work, "cpu_s": m.cpu_s, "rss_mb": m.peak_rss_mb,
                 "events": events, "other": other}
    progress("(e) incremental pulls, small source pull")
    inc = incremental_step(main, main_meta, db, env)
    r["incremental_main"], r["incremental_main_first"] = inc["steady"], inc["after_bulk"]
    r["incremental_main_second"] = inc["second"]
    fresh(db)

    db = fresh(WORK / "pull_small.duckdb")
    m = pull_step(small, db, env, use_cli)
    r["pull_small"] = {"wall_s": m.wall_s, "cpu_s": m.cpu_s, "rss_mb": m.peak_rss_mb}
    inc = incremental_step(small, small_meta, db, env)
    r["incremental_small"], r["incremental_small_first"] = inc["steady"], inc["after_bulk"]
    r["incremental_small_second"] = inc["second"]
    fresh(db)

    if not audit:
        return r
    progress("(d) audit")
    db, reports = fresh(WORK / "audit.duckdb"), fresh(WORK / "reports")
    cmd = [*mmwatch_cmd(), "audit", str(main), "--db", str(db), "--out", str(reports), "--no-prefect",
           "--json"]
    m = measure.run(cmd, env=env, cwd=ROOT, check=False)
    if m.returncode not in (0, 1):
        raise RuntimeError(f"mmwatch audit exited {m.returncode}: {m.stderr.strip()[-500:]}")
    sessions = len(json.loads(m.stdout)["sessions"])
    r["audit"] = {"wall_s": m.wall_s, "cpu_s": m.cpu_s, "rss_mb": m.peak_rss_mb, "sessions": sessions,
                  "exit_code": m.returncode}
    fresh(db)
    fresh(reports)
    return r


def median(runs: list[dict], step: str, key: str) -> float | None:
    values = [r[step][key] for r in runs if step in r and r[step].get(key) is not None]
    return statistics.median(values) if values else None


def machine() -> dict:
    info: dict = {"cores": os.cpu_count(), "python": platform.python_version(), "os": platform.platform()}
    try:
        meminfo = Path("/proc/meminfo").read_text()
        info["memory_gib"] = round(int(meminfo.split("MemTotal:")[1].split()[0]) / 2**20, 1)
        cpu = [ln for ln in Path("/proc/cpuinfo").read_text().splitlines() if ln.startswith("model name")]
        info["cpu"] = cpu[0].split(":", 1)[1].strip() if cpu else None
    except (OSError, IndexError):
        pass
    import duckdb
    import numpy
    import pyarrow

    info.update(duckdb=duckdb.__version__, pyarrow=pyarrow.__version__, numpy=numpy.__version__)
    grep = subprocess.run(["grep", "--version"], capture_output=True, text=True, check=False)
    info["grep"] = grep.stdout.splitlines()[0] if grep.stdout else "?"
    git = ["git", "-C", str(ROOT)]
    head = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False)
    dirty = subprocess.run([*git, "status", "--porcelain", "--", "mmwatch", "sql", "flows", "tasks"],
                           capture_output=True, text=True, check=False)
    note = " + uncommitted changes" if dirty.stdout.strip() else ""
    info["mmwatch_commit"] = (head.stdout.strip() or "?") + note
    return info


def summarize(runs: list[dict], main_meta: dict, small_meta: dict, use_cli: bool) -> dict:
    size_mb = main_meta["bytes"] / MB
    duck_s = median(runs, "duckdb", "wall_s")
    pull_s = median(runs, "pull", "wall_s")
    grep_s = median(runs, "grep WARN", "wall_s")
    expected_events = main_meta["lines"] - main_meta["non_event_lines"]
    last = runs[-1]
    rss = [v for v in (median(runs, "pull", "rss_mb"), median(runs, "audit", "rss_mb")) if v is not None]
    return {
        "size_mb": round(size_mb, 1),
        "small_size_mb": round(small_meta["bytes"] / MB, 1),
        "runs": len(runs),
        "pull_via": "mmwatch pull" if use_cli else "pull_file (python -m bench.steps pull)",
        "ingest_mb_s": round(size_mb / pull_s, 1),
        "duckdb_read_json_mb_s": round(size_mb / duck_s, 1),
        "ratio_to_duckdb": round(duck_s / pull_s, 3),
        "grep_warn_mb_s": round(size_mb / grep_s, 1),
        "ratio_to_grep": round(grep_s / pull_s, 3),
        "pull_s": round(pull_s, 3),
        "pull_work_s": _round(median(runs, "pull", "work_s")),
        "duckdb_read_json_s": round(duck_s, 3),
        "duckdb_read_json_work_s": _round(median(runs, "duckdb", "work_s")),
        "grep_warn_s": round(grep_s, 3),
        "grep_untracked_s": round(median(runs, "grep Untracked order filled", "wall_s"), 3),
        "audit_s": round(median(runs, "audit", "wall_s"), 3),
        "audit_sessions": runs[0]["audit"]["sessions"],
        "audit_runs": sum("audit" in r for r in runs),
        "audit_cpu_s": _round(median(runs, "audit", "cpu_s")),
        "pull_cpu_s": _round(median(runs, "pull", "cpu_s")),
        "duckdb_read_json_cpu_s": _round(median(runs, "duckdb", "cpu_s")),
        "incremental_pull_s": round(median(runs, "incremental_main", "work_s"), 3),
        "incremental_pull_small_s": round(median(runs, "incremental_small", "work_s"), 3),
        "incremental_pull_after_bulk_s": round(median(runs, "incremental_main_first", "work_s"), 3),
        "incremental_pull_small_after_bulk_s": round(median(runs, "incremental_small_first", "work_s"), 3),
        "incremental_pull_second_s": round(median(runs, "incremental_main_second", "work_s"), 3),
        "incremental_pull_small_second_s": round(median(runs, "incremental_small_second", "work_s"), 3),
        "incremental_pull_after_bulk_rss_mb": _round(median(runs, "incremental_main_first", "rss_mb"), 1),
        "incremental_pull_process_s": round(median(runs, "incremental_main", "wall_s"), 3),
        "incremental_pull_small_process_s": round(median(runs, "incremental_small", "wall_s"), 3),
        "peak_rss_mb": round(max(rss), 1) if rss else None,
        "pull_peak_rss_mb": _round(median(runs, "pull", "rss_mb"), 1),
        "audit_peak_rss_mb": _round(median(runs, "audit", "rss_mb"), 1),
        "duckdb_peak_rss_mb": _round(median(runs, "duckdb", "rss_mb"), 1),
        "counts_match": (last["pull"]["events"] == expected_events
                         and last["pull"]["other"] == main_meta["non_event_lines"]
                         and last["duckdb"]["rows"] == main_meta["lines"]),
        "events": last["pull"]["events"],
        "grep_warn_count": last["grep WARN"]["count"],
        "grep_untracked_count": last["grep Untracked order filled"]["count"],
    }


def _round(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(value, digits)


def _ratio(a: float | None, b: float | None) -> str:
    return "" if a is None or b is None else f"{a / b:.2f}"


def render_md(s: dict, runs: list[dict], info: dict, meta: dict, started: str, load: tuple[float, float],
              quick: bool) -> str:
    size = s["size_mb"]
    levels = ", ".join(f"{k} {v:,}" for k, v in meta["levels"].items())
    duck, grep = s["duckdb_read_json_s"], s["grep_warn_s"]

    def row(name: str, step: str, mb: float | None = size, key: str = "wall_s") -> str:
        sec = median(runs, step, key)
        rss = median(runs, step, "rss_mb")
        cpu = median(runs, step, "cpu_s") if key == "wall_s" else None
        mbs = f"{mb / sec:.0f}" if mb else ""
        cpu_text = "" if cpu is None else f"{cpu:.2f}"
        rss_text = "" if rss is None else f"{rss:.0f}"
        cells = [name, f"{sec:.3f}", cpu_text, mbs, _ratio(sec, duck), _ratio(sec, grep), rss_text]
        return "| " + " | ".join(cells) + " |"

    lines = [
        "# Benchmark results" + (" (quick mode)" if quick else ""),
        "",
        f"Generated by `python -m bench.run{' --quick' if quick else ''}` on {started} "
        f"({s['runs']} run(s) per step, medians). 1 MB = 10^6 bytes. Page cache warm (the log is read once "
        "first). Every step is a child process; \"process\" rows are its wall time, imports included.",
        "",
        f"Log: {size} MB, {meta['lines']:,} lines ({levels}, "
        f"{meta['non_event_lines']} non-event console lines), the real fixtures repeated "
        f"{meta['repeats_started']} times with timestamps moved forward; {s['audit_sessions']} bot sessions.",
        "",
        "| step | seconds | CPU s (user+sys) | MB/s | × DuckDB read_json time | × grep -c WARN time "
        "| peak RSS MB |",
        "|---|---:|---:|---:|---:|---:|---:|",
        row("(a) DuckDB `read_json` → table (ceiling), process", "duckdb"),
        row("(a) same, work only (after imports)", "duckdb", key="work_s"),
        row("(b) `grep -c WARN`", "grep WARN"),
        row("(b) `grep -c \"Untracked order filled\"`", "grep Untracked order filled"),
        row(f"(c) {s['pull_via']}, process", "pull"),
    ]
    if s["pull_work_s"] is not None:
        lines.append(row("(c) same, work only (after imports)", "pull", key="work_s"))
    lines += [
        row(f"(d) `mmwatch audit` end to end (pull, SQL, rules, reports; {s['audit_runs']} run(s))", "audit"),
        row(f"(e) incremental pull of 1 MB, {size} MB source (work, steady state = 3rd pull)",
            "incremental_main", 1.0, "work_s"),
        row(f"(e) incremental pull of 1 MB, {s['small_size_mb']} MB source (work, steady state = 3rd pull)",
            "incremental_small", 1.0, "work_s"),
        row(f"(e) 1st pull after the bulk load, {size} MB source (work)", "incremental_main_first", 1.0,
            "work_s"),
        row(f"(e) 1st pull after the bulk load, {s['small_size_mb']} MB source (work)",
            "incremental_small_first", 1.0, "work_s"),
        row(f"(e) 2nd pull after the bulk load, {size} MB source (work)", "incremental_main_second", 1.0,
            "work_s"),
        row(f"(e) 2nd pull after the bulk load, {s['small_size_mb']} MB source (work)",
            "incremental_small_second", 1.0, "work_s"),
        row(f"(e) steady state, {size} MB source, whole process", "incremental_main", 1.0),
        row(f"(e) steady state, {s['small_size_mb']} MB source, whole process", "incremental_small", 1.0),
        "",
        "Headline: " + ", ".join(f"`{k}` = {s[k]}" for k in (
            "ingest_mb_s", "duckdb_read_json_mb_s", "ratio_to_duckdb", "audit_s", "incremental_pull_s",
            "peak_rss_mb")),
        "",
        f"Checks: events loaded {s['events']:,} = JSON lines written; counts match the generator: "
        f"{s['counts_match']}. grep counts: WARN {s['grep_warn_count']:,}, "
        f"\"Untracked order filled\" {s['grep_untracked_count']:,}.",
        "",
        "Targets (2 cores): (c) ≥ 50 % of (a)'s throughput → "
        f"{s['ratio_to_duckdb'] * 100:.0f} % {'met' if s['ratio_to_duckdb'] >= 0.5 else 'MISSED'}; "
        f"(d) < 60 s for 1 GB → {s['audit_s']:.1f} s for {size} MB; "
        f"(e) < 1 s and independent of source size → steady state {s['incremental_pull_s']:.2f} s vs "
        f"{s['incremental_pull_small_s']:.2f} s, but the 1st/2nd pull after the bulk load "
        f"{s['incremental_pull_after_bulk_s']:.2f}/{s['incremental_pull_second_s']:.2f} s vs "
        f"{s['incremental_pull_small_after_bulk_s']:.2f}/{s['incremental_pull_small_second_s']:.2f} s; "
        f"(f) < 1 GB peak RSS for 1 GB → {s['peak_rss_mb']:.0f} MB.",
        "",
        "## Machine",
        "",
        f"{info.get('cores')} cores ({info.get('cpu')}), {info.get('memory_gib')} GiB memory, "
        f"{info.get('os')}; "
        f"load average at start {load[0]:.2f}, at end {load[1]:.2f} (other work shares this machine).",
        f"Python {info['python']}, DuckDB {info['duckdb']}, pyarrow {info['pyarrow']}, "
        f"numpy {info['numpy']}, "
        f"{info['grep']}; mmwatch {info['mmwatch_commit']}. Peak memory from {measure.RSS_METHOD}.",
        "",
    ]
    if FINDINGS_MD.exists():
        lines += [FINDINGS_MD.read_text().rstrip(), ""]
    return "\n".join(lines)


def save(path: Path, record: dict) -> None:
    path.write_text(json.dumps(record, indent=1) + "\n")


def render_saved(path: Path) -> int:
    rec = json.loads(path.read_text())
    md = render_md(rec["summary"], rec["runs"], rec["machine"], rec["meta"], rec["started"],
                   tuple(rec["load"]),
                   rec["quick"])
    target = OUT / "results_quick.md" if rec["quick"] else RESULTS_MD
    target.write_text(md)
    print(f"wrote {target.relative_to(ROOT)}", file=sys.stderr)
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.render:
        return render_saved(args.render)
    started = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    load_start = os.getloadavg()[0]
    OUT.mkdir(parents=True, exist_ok=True)
    WORK.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    main_log, main_meta, reused = generate.cached_log(OUT, args.size_bytes)
    small_log, small_meta, _ = generate.cached_log(OUT, max(args.size_bytes // 10, MB))
    print(f"log {main_log.name}: {main_meta['bytes'] / MB:.0f} MB, {main_meta['lines']:,} lines "
          f"({'reused' if reused else f'written in {time.perf_counter() - t0:.1f} s'})", file=sys.stderr)
    warm(main_log)
    warm(small_log)
    env = child_env(WORK / "home")
    use_cli = have_pull_command(env)
    saved = OUT / ("results_quick.json" if args.quick else "results.json")
    runs: list[dict] = []
    for i in range(args.runs):
        start = time.perf_counter()
        runs.append(one_run(main_log, main_meta, small_log, small_meta, env, use_cli, i < args.audit_runs))
        print(f"run {i + 1}/{args.runs}: {time.perf_counter() - start:.1f} s", file=sys.stderr)
        save(OUT / "runs_partial.json", {"runs": runs})
    summary = summarize(runs, main_meta, small_meta, use_cli)
    info = machine()
    load = (load_start, os.getloadavg()[0])
    save(saved, {"summary": summary, "machine": info, "runs": runs, "meta": main_meta, "started": started,
                 "load": load, "quick": args.quick})
    render_saved(saved)
    shutil.rmtree(WORK, ignore_errors=True)
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
