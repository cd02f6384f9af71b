"""Steady background noise (fans, traffic, a fridge) taken out before recognition.

Spectral subtraction on a streaming STFT: the noise spectrum is learned from frames that are not much
louder than it, and each frame's bins are scaled down by how much of them that noise explains.
Speech over steady noise comes out much closer to what the model was trained on."""

from __future__ import annotations

from typing import Any


class Denoiser:
    def __init__(self, rate: int, *, frame_s: float = 0.032, over: float = 1.5, floor: float = 0.5,
                 adapt: float = 0.05) -> None:
        import numpy as np

        n = 1
        while n < rate * frame_s:
            n *= 2
        self.n, self.hop = n, n // 2
        self.window = np.sqrt(np.hanning(n + 1)[:-1]).astype(np.float64)  # sqrt-Hann: perfect overlap-add
        self.over, self.floor, self.adapt = over, floor, adapt
        self.noise: Any = None
        self._in = np.zeros(0)
        self._tail = np.zeros(n - self.hop)
        self._out = np.zeros(0)
        self._frames = 0

    def __call__(self, pcm: bytes) -> bytes:
        import numpy as np

        x = np.frombuffer(pcm, dtype=np.int16).astype(np.float64)
        self._in = np.concatenate([self._in, x])
        produced = []
        while len(self._in) >= self.n:
            frame = self._in[: self.n] * self.window
            self._in = self._in[self.hop:]
            spec = np.fft.rfft(frame)
            power = spec.real ** 2 + spec.imag ** 2
            if self.noise is None:
                self.noise = power.copy()
            elif self._frames < 10 or power.sum() < 2.0 * self.noise.sum():
                rate = 0.3 if self._frames < 10 else self.adapt
                self.noise = (1 - rate) * self.noise + rate * np.minimum(power, 4 * self.noise)
            self._frames += 1
            gain = np.maximum(1.0 - self.over * self.noise / np.maximum(power, 1e-9), self.floor ** 2) ** 0.5
            y = np.fft.irfft(spec * gain, n=self.n) * self.window
            y[: self.n - self.hop] += self._tail
            self._tail = y[self.hop:].copy()
            produced.append(y[: self.hop])
        if produced:
            self._out = np.concatenate([self._out, *produced])
        k = min(len(x), len(self._out))
        out = np.zeros(len(x))
        out[len(x) - k:] = self._out[:k]  # the first blocks start with a frame of delay
        self._out = self._out[k:]
        return np.clip(out, -32768, 32767).astype(np.int16).tobytes()
