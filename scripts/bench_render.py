#!/usr/bin/env python3
"""Render benchmark: what `voiceguide render` costs in memory and time as a session grows.

`render` streams the session into its WAV file, so its peak memory should not depend on the
session's length. This renders sessions of a few lengths (one long timer each, at --time-scale 1)
and one with many short timers (each turn is a chime, a timer and a chime), every render in a fresh
process, and prints ONE JSON object on stdout:
  sessions   one entry per render: what it was, the audio seconds written, peak_rss_mb (the
             render process's peak resident memory, Python and numpy included) and wall seconds
Details go to stderr. The WAV files go to a temporary folder and are removed.

Measured 2026-12-01 (2 cores, shared): peak_rss_mb about 57 for 15 minutes, 1 hour, 4 hours and
1000 one-second timers alike; 4 hours take about 3 s. Before rendering streamed, 1000 one-second
timers peaked at 903 MB and a one-hour timer at 364 MB.

Run from the repository root:  python scripts/bench_render.py [--hours 0.25 1 4] [--timers 1000]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def long_timer(minutes: int) -> str:
    # a timer holds at most 4 hours: longer sessions are several of them
    timers = []
    while minutes > 0:
        timers.append(f"  - timer: {min(minutes, 240)}m\n")
        minutes -= 240
    return ("id: bench-long\ntitle: Bench long\nsummary: Long timers, to measure render memory.\nsteps:\n"
            "  - say: Begin.\n" + "".join(timers) + "  - say: Done.\n")


def many_timers(count: int) -> str:
    return ("id: bench-many\ntitle: Bench many\nsummary: Many short timers, to measure render memory.\nsteps:\n"
            "  - say: Begin.\n" + "  - timer: 1s\n" * count + "  - say: Done.\n")


def render(script: str, folder: Path, name: str) -> dict[str, object]:
    """One render in a child process; its own peak memory comes from wait4's resource usage."""
    path = folder / f"{name}.yaml"
    path.write_text(script, encoding="utf-8")
    out = folder / f"{name}.wav"
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    t = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "voiceguide", "render", str(path), "-o", str(out)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, cwd=folder)
    assert proc.stderr is not None
    errors = proc.stderr.read().decode("utf-8", "replace")
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - t
    if proc.returncode != 0:
        sys.exit(f"render of {name} failed ({proc.returncode}):\n{errors}")
    audio = (out.stat().st_size - 44) / 2 / 22050
    out.unlink()
    row = {"session": name, "audio_s": round(audio, 1), "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
           "seconds": round(seconds, 2)}
    print(json.dumps(row), file=sys.stderr)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     epilog="Prints one JSON object on stdout; details on stderr.")
    parser.add_argument("--hours", type=float, nargs="*", default=[0.25, 1.0, 4.0],
                        help="session lengths to render, one long timer each (default: 0.25 1 4)")
    parser.add_argument("--timers", type=int, default=1000,
                        help="also render this many one-second timers (0: not; default 1000)")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-render-") as tmp:
        folder = Path(tmp)
        for hours in args.hours:
            rows.append(render(long_timer(max(1, round(hours * 60))), folder, f"{hours:g}h"))
        if args.timers > 0:
            rows.append(render(many_timers(args.timers), folder, f"{args.timers}-timers"))
    print(json.dumps({"sessions": rows}))


if __name__ == "__main__":
    main()
