#!/usr/bin/env python3
"""Speech-out benchmark, on the virtual sound card (a private PulseAudio daemon started here).

Prints ONE JSON object on stdout:
  first_sound_warm_s   from starting `voiceguide play presence` to the first audible sample on the
                       speaker, with every line already in the speech cache (median of runs)
  first_sound_cold_s   the same with an empty cache (a fresh XDG_CACHE_HOME each run)
  step_gap_extra_ms    the silence between consecutive steps beyond what the script and the
                       rendered speech themselves contain (worst of the transitions measured)
  library_render_s     `voiceguide render` of every built-in exercise, one after the other, with
                       an empty cache
Goals: warm <= 1.0 s, cold <= 2.0 s, gap <= 100 ms. Details go to stderr.

Run from the repository root:  python scripts/bench_speech.py [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from virtual_card import RATE, VirtualSoundCard, first_sound  # noqa: E402
from voiceguide import library  # noqa: E402
from voiceguide.audioout import chime_path, load_clip  # noqa: E402

VOICEGUIDE = [sys.executable, "-m", "voiceguide"]

GAP_SCRIPT = """\
id: gap-bench
title: Gap bench
summary: Consecutive steps with nothing asked between them.
steps:
  - say: First, find a comfortable place to sit.
  - say: Then breathe in slowly, and let the breath out.
  - say: Look at each other for a moment.
  - say: Now we begin.
  - timer: 2s
"""


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def first_sound_s(card: VirtualSoundCard, env: dict[str, str], exercise: str = "presence") -> float:
    """Seconds from launching `play` to the first audible sample heard on the speaker monitor."""
    recorder = card.record()
    time.sleep(0.2)
    start = time.monotonic()
    proc = subprocess.Popen([*VOICEGUIDE, "play", exercise, "--no-listen"], env=env,
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    heard_at = None
    skip = recorder.frames  # what was recorded before the launch is not the program's
    deadline = start + 20
    while time.monotonic() < deadline and heard_at is None:
        time.sleep(0.02)
        audio = recorder.samples()
        onset = first_sound(audio[skip:])
        if onset is not None:
            heard_at = recorder.arrival(skip + onset)
        if proc.poll() is not None:
            break
    proc.send_signal(signal.SIGINT)
    try:
        _, err = proc.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        _, err = proc.communicate()
    recorder.stop()
    if heard_at is None:
        raise SystemExit(f"no sound heard from voiceguide play: {err.decode(errors='replace')[-500:]}")
    return heard_at - start


def locate(audio: np.ndarray, clip: np.ndarray, near: int, search_s: float = 3.0) -> tuple[int, float]:
    """Where `clip` starts in `audio`, searching around `near` (index, normalised correlation)."""
    lead = first_sound(clip) or 0
    template = clip[lead : lead + int(0.4 * RATE)]
    lo = max(0, near - int(search_s * RATE))
    hi = min(len(audio), near + int(search_s * RATE) + len(template))
    window = audio[lo:hi]
    n = len(template)
    corr = np.correlate(window, template, mode="valid")
    energy = np.sqrt(np.convolve(window**2, np.ones(n), mode="valid"))
    corr = corr / (np.linalg.norm(template) * energy + 1e-9)
    # the first strong match, not the best: a chime rings again at the end of the turn
    best = int(np.flatnonzero(corr >= 0.95 * corr.max())[0])
    return lo + best - lead, float(corr[best])


def step_gaps_ms(card: VirtualSoundCard, env: dict[str, str], folder: Path) -> list[float]:
    """Extra silence at each step change of GAP_SCRIPT: (start of next - start of this) - length of this."""
    script = folder / "gap-bench.yaml"
    script.write_text(GAP_SCRIPT)
    from voiceguide.speech import Speech, SpeechCache

    speech = Speech("gmw/en-us", 140, cache=SpeechCache(Path(env["VOICEGUIDE_CACHE_DIR"])))
    texts = [line.split("say: ", 1)[1] for line in GAP_SCRIPT.splitlines() if "say: " in line]
    clips = [load_clip(speech.get(t), RATE)[:, 0] for t in texts]
    speech.close()
    clips.append(load_clip(chime_path("start"), RATE)[:, 0])
    recorder = card.record()
    proc = subprocess.run([*VOICEGUIDE, "play", str(script), "--no-listen"], env=env, stdin=subprocess.DEVNULL,
                          capture_output=True, timeout=120)
    time.sleep(0.3)
    audio = recorder.stop()
    if proc.returncode != 0:
        raise SystemExit(f"gap run failed: {proc.stderr.decode(errors='replace')[-500:]}")
    onset = first_sound(audio)
    assert onset is not None, "nothing heard in the gap run"
    starts = []
    guess = onset - (first_sound(clips[0]) or 0)
    for clip in clips:
        at, score = locate(audio, clip, guess)
        if score < 0.8:
            raise SystemExit(f"could not find a step in the recording (correlation {score:.2f})")
        starts.append(at)
        guess = at + len(clip)
    gaps = [((b - a) - len(clip)) / RATE * 1000 for a, b, clip in zip(starts, starts[1:], clips)]
    log(f"step gaps beyond the script (ms): {', '.join(f'{g:.0f}' for g in gaps)}")
    return gaps


def library_render_s(env: dict[str, str], folder: Path) -> float:
    start = time.monotonic()
    for entry in library.entries():
        out = folder / f"{entry.id}.wav"
        subprocess.run([*VOICEGUIDE, "render", entry.id, "-o", str(out)], env=env, check=True,
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=300)
    return time.monotonic() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per first-sound figure (median is reported)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-speech-") as tmp:
        tmpdir = Path(tmp)
        card = VirtualSoundCard(tmpdir / "pulse").start()
        try:
            base = card.env
            base.pop("VOICEGUIDE_CACHE_DIR", None)
            base["VOICEGUIDE_CONFIG"] = str(tmpdir / "no-config.toml")
            warm_env = dict(base, VOICEGUIDE_CACHE_DIR=str(tmpdir / "warm-cache"))
            subprocess.run([*VOICEGUIDE, "render", "presence", "-o", str(tmpdir / "warmup.wav")], env=warm_env,
                           check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            warm = [first_sound_s(card, warm_env) for _ in range(args.runs)]
            log(f"first sound, warm cache (s): {', '.join(f'{w:.3f}' for w in warm)}")
            cold = []
            for i in range(args.runs):
                cold_env = dict(base, XDG_CACHE_HOME=str(tmpdir / f"cold-{i}"))
                cold.append(first_sound_s(card, cold_env))
            log(f"first sound, cold cache (s): {', '.join(f'{c:.3f}' for c in cold)}")
            gaps = step_gaps_ms(card, warm_env, tmpdir)
        finally:
            card.stop()
        render_env = dict(base, XDG_CACHE_HOME=str(tmpdir / "render-cache"))
        render_s = library_render_s(render_env, tmpdir)
        log(f"library render (s): {render_s:.2f} for {len(library.entries())} exercises")
    print(json.dumps({
        "first_sound_warm_s": round(statistics.median(warm), 3),
        "first_sound_cold_s": round(statistics.median(cold), 3),
        "step_gap_extra_ms": round(max(gaps), 1),
        "library_render_s": round(render_s, 2),
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
