#!/usr/bin/env python3
"""Synthesise the bundled chimes into audio/ (run from the repository root; output is committed).

chime.wav       a soft bell for the start and the end of a timed turn
chime-soft.wav  a quieter, shorter, higher cue for `warn:` (the turn is nearly over)

A bell here is a few partials, each a sine with its own exponential decay (the higher ones die
away sooner, as in a struck bar), a 15 ms raised-cosine attack so there is no click at the start,
and a short fade at the end so the tail reaches exact silence. Deterministic: same files every run.
"""

from __future__ import annotations

import argparse
import sys
import wave
from pathlib import Path

import numpy as np

RATE = 44100

# (frequency ratio to the fundamental, relative amplitude, decay time constant in seconds)
PARTIALS = [
    (1.0, 1.00, 0.80),
    (2.0, 0.45, 0.50),
    (2.76, 0.25, 0.35),  # a touch of bell-like inharmonicity, kept quiet
    (4.07, 0.10, 0.20),
]


def bell(fundamental: float, seconds: float, peak_dbfs: float, attack_s: float = 0.015) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    out = np.zeros_like(t)
    for ratio, amp, tau in PARTIALS:
        out += amp * np.exp(-t / tau) * np.sin(2 * np.pi * fundamental * ratio * t)
    attack = int(attack_s * RATE)
    out[:attack] *= 0.5 - 0.5 * np.cos(np.pi * np.arange(attack) / attack)
    fade = int(0.08 * RATE)
    out[-fade:] *= 0.5 + 0.5 * np.cos(np.pi * np.arange(fade) / fade)
    out *= 10 ** (peak_dbfs / 20) / np.max(np.abs(out))
    return out


def write(path: Path, samples: np.ndarray) -> None:
    pcm = np.round(samples * 32767).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(pcm.tobytes())


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", nargs="?", type=Path, default=Path(__file__).resolve().parent.parent / "audio",
                    help="folder to write the chimes into (default: the repository's audio/)")
    out = ap.parse_args().out
    out.mkdir(parents=True, exist_ok=True)
    write(out / "chime.wav", bell(528.0, 2.0, peak_dbfs=-8.0))
    write(out / "chime-soft.wav", bell(792.0, 1.2, peak_dbfs=-20.0))
    print(f"wrote {out / 'chime.wav'} and {out / 'chime-soft.wav'}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
