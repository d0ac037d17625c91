"""Run one measured command in a child process: wall time, peak memory, exit code, output.

Every benchmark step runs in its own process, as a user would run it, so that its peak resident
memory is its own and the cost of starting Python and importing the stack is counted. Peak memory
comes from ``/usr/bin/time -v`` when the machine has it, otherwise from ``getrusage`` of the
children (which only ever grows, so it is an upper bound across the steps run so far).
"""

from __future__ import annotations

import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

GNU_TIME = Path("/usr/bin/time")
_MAX_RSS = re.compile(r"Maximum resident set size \(kbytes\): (\d+)")
_CPU = re.compile(r"(?:User|System) time \(seconds\): ([\d.]+)")


@dataclass
class Measured:
    wall_s: float
    peak_rss_mb: float | None
    cpu_s: float | None  # user + system seconds of the child, when /usr/bin/time is there
    returncode: int
    stdout: str
    stderr: str


def _gnu_time_works() -> bool:
    if not GNU_TIME.exists():
        return False
    probe = subprocess.run([str(GNU_TIME), "-v", "true"], capture_output=True, text=True, check=False)
    return probe.returncode == 0 and "Maximum resident set size" in probe.stderr


HAVE_GNU_TIME = _gnu_time_works()
RSS_METHOD = "/usr/bin/time -v" if HAVE_GNU_TIME else "getrusage(RUSAGE_CHILDREN) (running maximum)"


def run(cmd: Sequence[str], *, env: Mapping[str, str] | None = None, cwd: Path | None = None,
        check: bool = True) -> Measured:
    """Run ``cmd`` and measure it; raise ``RuntimeError`` with its stderr when it fails and ``check``."""
    with tempfile.NamedTemporaryFile("r", suffix=".time", delete=False) as tf:
        time_file = tf.name
    try:
        full = [str(GNU_TIME), "-v", "-o", time_file, *cmd] if HAVE_GNU_TIME else list(cmd)
        start = time.perf_counter()
        proc = subprocess.run(full, capture_output=True, text=True, env=dict(env) if env else None, cwd=cwd,
                              check=False)
        wall = time.perf_counter() - start
        rss: float | None = None
        cpu: float | None = None
        if HAVE_GNU_TIME:
            report = Path(time_file).read_text()
            m = _MAX_RSS.search(report)
            rss = int(m.group(1)) / 1024 if m else None
            cpu = sum(float(x) for x in _CPU.findall(report)) or None
        else:
            rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    finally:
        os.unlink(time_file)
    if check and proc.returncode != 0:
        tail = proc.stderr.strip().splitlines()[-5:]
        raise RuntimeError(f"{' '.join(cmd[:3])} ... exited {proc.returncode}: " + " | ".join(tail))
    return Measured(wall, rss, cpu, proc.returncode, proc.stdout, proc.stderr)


def python(code: str, *args: str, env: Mapping[str, str] | None = None, cwd: Path | None = None) -> Measured:
    """Run ``python -c code args...`` with this interpreter (the project's venv)."""
    return run([sys.executable, "-c", code, *args], env=env, cwd=cwd)
