"""Synthetic "words" for enrollment tests that need no speech engine: each is a tone that glides
between two pitches, so words differ the way spoken words do (in how the spectrum moves), and a
partner's takes differ a little in length and pitch the way a person's do."""

from __future__ import annotations

RATE = 16000
SHAPES = {  # (start Hz, end Hz)
    "다음": (300.0, 1400.0),
    "멈춰": (1600.0, 500.0),
    "계속": (700.0, 700.0),
    "다시": (2200.0, 1200.0),
    "이전": (500.0, 2600.0),
    "그만": (1000.0, 350.0),
    "도움말": (900.0, 1800.0),
    "잠깐": (1600.0, 500.0),  # the pack's phrases as they are now (the ones above stay for older packs' words)
    "다시 한번": (2200.0, 1200.0),
    "그만하자": (1000.0, 350.0),
    "음": (1300.0, 1350.0),  # a look-alike: flat, like 계속 but higher
    "이제": (2600.0, 2000.0),
    "글쎄": (400.0, 900.0),
}


def word(text: str, *, seconds: float = 0.45, shift: float = 1.0, level: float = 0.3, seed: int = 0):  # type: ignore[no-untyped-def]
    """int16 samples of `text` (its glide), `shift` scaling its pitch, with a soft start and end."""
    import numpy as np

    f0, f1 = SHAPES[text]
    n = int(seconds * RATE)
    t = np.arange(n) / RATE
    freq = shift * (f0 + (f1 - f0) * t / seconds)
    phase = 2 * np.pi * np.cumsum(freq) / RATE
    x = np.sin(phase) + 0.5 * np.sin(2 * phase) + 0.25 * np.sin(3 * phase)
    env = np.minimum(1.0, np.minimum(t, seconds - t) / 0.03)
    rng = np.random.default_rng(seed)
    x = level * x * env / 1.75 + rng.standard_normal(n) * 0.0005
    return (np.clip(x, -1, 1) * 32767).astype(np.int16)


def quiet(seconds: float, seed: int = 1):  # type: ignore[no-untyped-def]
    import numpy as np

    rng = np.random.default_rng(seed)
    return (rng.standard_normal(int(seconds * RATE)) * 0.0005 * 32767).astype(np.int16)


class ArraySource:
    """An in-memory recording as a microphone's blocks, as fast as they are taken."""

    live = False

    def __init__(self, samples, rate: int = RATE, block_s: float = 0.05) -> None:  # type: ignore[no-untyped-def]
        self.samples, self.rate, self.name = samples, rate, "array"
        self.block = int(rate * block_s)

    def start(self, put) -> None:  # type: ignore[no-untyped-def]
        for i in range(0, len(self.samples), self.block):
            put(self.samples[i:i + self.block].tobytes())
        put(None)

    def stop(self) -> None:
        pass
