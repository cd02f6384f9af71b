"""Fakes for every adapter: a clock you move by hand, an output that records, and friends."""

from __future__ import annotations

from dataclasses import dataclass, field

from voiceguide.events import Chime, PlaybackDone, PlayClip, Speak
from voiceguide.runner import Bus


class FakeClock:
    """A monotonic clock that only moves when a test says so."""

    def __init__(self, t: float = 1000.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t

    def now(self) -> float:
        return self.t

    def advance(self, seconds: float) -> float:
        self.t += seconds
        return self.t


@dataclass
class RecordingOutput:
    """Audio out that plays nothing: it records what it was asked and finishes each sound after
    `seconds` of (virtual) time, posted on the bus."""

    bus: Bus
    seconds: float = 1.0
    played: list[Speak | PlayClip | Chime] = field(default_factory=list)
    stops: int = 0

    def play(self, sound: Speak | PlayClip | Chime) -> None:
        self.played.append(sound)
        self.bus.post_after(self.seconds, PlaybackDone(sound.token))

    def stop(self) -> None:
        self.stops += 1

    def close(self) -> None:
        pass

    @property
    def texts(self) -> list[str]:
        return [s.text for s in self.played if isinstance(s, Speak)]


# ---- audio out (speech issue): a sound card that plays only when a test pulls frames ------------

import math  # noqa: E402


class FakeDevice:
    """audioout.Device whose time is audio time: nothing plays until a test calls `pull`.

    It models a real card's buffering: frames leave the mixer `latency` seconds (rounded up to
    whole blocks) before they are heard, exactly as a stream opened with that latency would take
    them. `heard` holds every frame that reached the "ear", so a test can measure in audio time what
    was audible after a pause or stop."""

    def __init__(self, samplerate: int = 22050, channels: int = 2, blocksize: int | None = None,
                 latency: float | None = None) -> None:
        from voiceguide.audioout import BLOCKSIZE, LATENCY_S

        blocksize = BLOCKSIZE if blocksize is None else blocksize
        latency = LATENCY_S if latency is None else latency
        self.samplerate = samplerate
        self.channels = channels
        self.blocksize = blocksize
        self.latency = latency
        self.fill = None
        self.closed = False
        self._buffer: list = []  # blocks taken from the mixer, not yet heard
        self._heard: list = []
        self.frames_heard = 0
        self.flushes = 0

    def start(self, fill) -> None:  # type: ignore[no-untyped-def]
        self.fill = fill

    def close(self) -> None:
        self.closed = True

    def flush(self, then=None) -> None:  # type: ignore[no-untyped-def]
        """Like aborting and restarting a PortAudio stream that primes its buffer from the
        callback: what was buffered is never heard, and the buffer is filled again at once."""
        self.flushes += 1
        self._buffer.clear()
        if then is not None:
            then()
        self._prime()

    def _prime(self) -> None:
        while len(self._buffer) <= self.buffered_blocks:
            self._take_block()

    @property
    def buffered_blocks(self) -> int:
        return max(1, math.ceil(self.latency * self.samplerate / self.blocksize))

    def _take_block(self) -> None:
        import numpy as np

        block = np.zeros((self.blocksize, self.channels), dtype=np.float32)
        assert self.fill is not None, "device not started"
        self.fill(block)
        self._buffer.append(block)

    def pull(self, seconds: float):  # type: ignore[no-untyped-def]
        """Let `seconds` of audio be heard; returns those frames (frames × channels)."""
        import numpy as np

        want = int(round(seconds * self.samplerate))
        out = []
        got = 0
        while got < want:
            self._prime()
            block = self._buffer[0]
            n = min(len(block), want - got)
            out.append(block[:n])
            if n == len(block):
                self._buffer.pop(0)
            else:
                self._buffer[0] = block[n:]
            got += n
        frames = np.concatenate(out) if out else np.zeros((0, self.channels), dtype=np.float32)
        self._heard.append(frames)
        self.frames_heard += len(frames)
        return frames

    @property
    def heard(self):  # type: ignore[no-untyped-def]
        import numpy as np

        return np.concatenate(self._heard) if self._heard else np.zeros((0, self.channels), dtype=np.float32)
