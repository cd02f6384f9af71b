"""Spectral features of a short utterance, and the distance between two of them.

Cepstra (MFCC without the energy term, mean removed) describe the shape of the sound, not its
loudness or the microphone's colour, so a word said louder or on another day still lines up.
Dynamic time warping lines two takes up in time, so a word said faster still matches. Both are
plain numpy, computed only for short utterances that are already command candidates: a second of
audio costs a few milliseconds."""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Any

N_FEATURES = 12  # cepstra 1..12: the stored templates have exactly this many columns
MAX_FRAMES = 300  # 3 s at a 10 ms hop: longer is not a command, and never stored
HOP_S = 0.010
WINDOW_S = 0.025
N_MELS = 26
TRIM_DB = 35.0  # frames this far below the loudest frame are the quiet around the word
NOISE_DB = 10.0  # and so are frames less than this above the quietest tenth


@lru_cache(maxsize=4)
def _filters(rate: int, n_fft: int) -> tuple[Any, Any]:
    """Mel filterbank and DCT matrix for `rate`, made once."""
    import numpy as np

    fmax = min(rate / 2, 7600.0)

    def mel(f: float) -> float:
        return 2595.0 * math.log10(1 + f / 700.0)

    edges_mel = np.linspace(mel(80.0), mel(fmax), N_MELS + 2)
    edges_hz = 700.0 * (10 ** (edges_mel / 2595.0) - 1)
    bins = np.fft.rfftfreq(n_fft, 1 / rate)
    bank = np.zeros((N_MELS, bins.size), dtype=np.float32)
    for m in range(N_MELS):
        lo, mid, hi = edges_hz[m], edges_hz[m + 1], edges_hz[m + 2]
        up = (bins - lo) / (mid - lo)
        down = (hi - bins) / (hi - mid)
        bank[m] = np.maximum(0.0, np.minimum(up, down))
    k = np.arange(N_MELS)
    dct = np.cos(np.pi / N_MELS * (k[None, :] + 0.5) * np.arange(1, N_FEATURES + 1)[:, None]).astype(np.float32)
    return bank, dct


def features(samples: Any, rate: int) -> Any:
    """(frames, N_FEATURES) float32 for int16 or float samples; the quiet around the word is
    trimmed off first. An empty array when nothing stands out of the quiet."""
    import numpy as np

    raw = np.asarray(samples)
    x = raw.astype(np.float32)
    if raw.dtype.kind in "iu":  # 16-bit samples, as the microphone delivers them
        x /= 32768.0
    hop, win = int(rate * HOP_S), int(rate * WINDOW_S)
    if x.size < win:
        return np.zeros((0, N_FEATURES), dtype=np.float32)
    x = np.append(x[0], x[1:] - 0.97 * x[:-1])  # pre-emphasis: the consonants matter
    n = 1 + (x.size - win) // hop
    n_fft = 1 << (win - 1).bit_length()
    frames = np.lib.stride_tricks.as_strided(x, (n, win), (x.strides[0] * hop, x.strides[0]))
    frames = frames * np.hamming(win).astype(np.float32)
    power = np.abs(np.fft.rfft(frames, n_fft)) ** 2
    energy_db = 10 * np.log10(power.sum(axis=1) + 1e-10)
    # the word: frames near the loudest, and clearly above the quietest (the room's noise)
    quiet = float(np.percentile(energy_db, 10))
    loud = np.nonzero(energy_db > max(energy_db.max() - TRIM_DB, min(quiet + NOISE_DB, energy_db.max() - 6)))[0]
    if loud.size == 0 or energy_db.max() < -60:
        return np.zeros((0, N_FEATURES), dtype=np.float32)
    power = power[loud[0]:loud[-1] + 1][:MAX_FRAMES]
    bank, dct = _filters(rate, n_fft)
    logmel = np.log(power @ bank.T + 1e-8)
    ceps = logmel @ dct.T
    ceps -= ceps.mean(axis=0)
    return ceps.astype(np.float32)


def distance(a: Any, b: Any) -> float:
    """Mean frame distance along the best time alignment of `a` onto `b` (inf when one is more
    than twice as long as the other, or empty).

    The steps allowed (diagonal, or skipping one frame of either side) keep the slope between 1/2
    and 2, so that a whole word cannot be matched against one frame of another; each row depends
    only on the two before it, so a row is one vectorised numpy step. Always called with the new
    utterance as `a`: the thresholds were learned the same way round."""
    import numpy as np

    n, m = len(a), len(b)
    if n == 0 or m == 0 or n > 2 * m or m > 2 * n:
        return math.inf
    sq = (a * a).sum(1)[:, None] + (b * b).sum(1)[None, :] - 2.0 * (a @ b.T)
    cost = np.sqrt(np.maximum(sq, 0.0))
    inf = np.float32(np.inf)
    before = np.full(m, inf, dtype=np.float32)  # row i-2
    row = np.full(m, inf, dtype=np.float32)
    row[0] = cost[0, 0]
    for i in range(1, n):
        best = np.full(m, inf, dtype=np.float32)
        best[1:] = row[:-1]
        best[2:] = np.minimum(best[2:], row[:-2])
        best[1:] = np.minimum(best[1:], before[:-1])
        before, row = row, cost[i] + best
    return float(row[-1]) / n
