"""Taking the guide's own voice out of the microphone (acoustic echo cancellation).

With a speaker in the room, the mic hears the guide. The acceptance rules keep the guide from
triggering itself, but a couple saying "pause" over a long line then reaches the recogniser mixed
with the guide's voice, and is often heard as longer speech or with low confidence. The guide's
sound is known exactly, so it can be taken out: audio out hands every block it plays to an
`EchoReference`, stamped with when the sound card will play it; the microphone's blocks are stamped
with when they arrived (both PortAudio stream times, one clock). For each 10 ms of mic sound,
`EchoCanceller` gives WebRTC's echo canceller (AEC3, from the `livekit` package) the guide's sound of
the same moment, then the mic's. A mic sample's moment is known only from when its block arrived,
which is later than it was heard: so the guide's sound always comes first, as AEC3 needs, and AEC3's
own delay estimator finds the rest of the way (the room, the sound cards' buffers) and follows it.

The canceller works at 16 kHz; the mic's sound goes on at its own rate. Nothing is stored beyond the last few
seconds of the guide's own sound; microphone audio is never kept.
"""

from __future__ import annotations

import sys
import threading
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from voiceguide.listen.listener import level_db
from voiceguide.listen.source import Put

if TYPE_CHECKING:
    import numpy as np

RATE = 16000
FRAME = RATE // 100  # AEC3 works on 10 ms frames
KEEP_S = 3.0  # how much of the guide's sound is kept to be read (the mic is never that far behind)
RESYNC_S = 0.05  # a guide block stamped this far from where the last one ended starts a new stretch
RESYNC_MIC_S = 0.25  # a mic block arriving this far from when it was due: the mic restarted
IDLE_S = 0.5  # with the guide silent this long, the mic passes untouched (and costs nothing)
ECHO_HEARD_DB = 10.0  # the mic hears the guide: its level while the guide sounds is this far above its floor


class EchoReference:
    """What the guide has played, by time: written from the sound card's thread, read from the
    microphone's. A block stamped earlier than the end of the last one (the output was flushed: its
    buffered sound was never heard) cuts what came after; a gap is silence. The last `keep_s` live
    in a ring, so the sound card's thread copies no more than its own block."""

    def __init__(self, keep_s: float = KEEP_S) -> None:
        import numpy as np

        self._lock = threading.Lock()
        self._ring = np.zeros(int(keep_s * RATE), dtype=np.float32)
        self._n = 0  # samples on the timeline so far; sample i lives in _ring[i % len(_ring)]
        self._top = 0  # the most there ever were (after a flush, slots past _n hold sound never heard)
        self._end: float | None = None  # the time at the end of sample _n
        self._resampler: Any = None
        self._resampler_rate = 0
        self.last_sound = float("-inf")  # when the last audible sample of the guide plays
        # Set once a canceller reads it: until then (no listening, no mic, no canceller) the sound
        # card's thread does no work for it.
        self.wanted = False

    def push(self, when: float, block: np.ndarray, rate: int) -> None:
        """`block` (frames, or frames × channels, float) starts playing at `when`."""
        import numpy as np
        import soxr

        if not self.wanted:
            return
        mono = block.mean(axis=1) if block.ndim == 2 else block
        mono = np.ascontiguousarray(mono, dtype=np.float32)
        if rate != self._resampler_rate:
            self._resampler = soxr.ResampleStream(rate, RATE, 1, dtype="float32") if rate != RATE else None
            self._resampler_rate = rate
        samples = self._resampler.resample_chunk(mono) if self._resampler is not None else mono
        end = when + len(mono) / rate
        with self._lock:
            if self._end is not None and abs(when - self._end) > RESYNC_S:
                shift = round((when - self._end) * RATE)
                if shift > 0:  # a gap: silence
                    size = len(self._ring)
                    self._n += max(0, shift - size)  # beyond the ring's length, only the last of it stays
                    self._write(np.zeros(min(shift, size), dtype=np.float32))
                else:  # flushed: what was queued after `when` was never heard
                    self._n = max(self._n + shift, self._oldest())
            self._write(samples)
            self._end = end
            if np.any(np.abs(mono) > 1e-4):
                self.last_sound = end

    def _oldest(self) -> int:
        """The first sample of the timeline still in the ring."""
        return max(0, self._top - len(self._ring))

    def _write(self, samples: np.ndarray) -> None:
        size = len(self._ring)
        if len(samples) > size:
            self._n += len(samples) - size
            samples = samples[-size:]
        i = self._n % size
        head = min(len(samples), size - i)
        self._ring[i:i + head] = samples[:head]
        self._ring[:len(samples) - head] = samples[head:]
        self._n += len(samples)
        self._top = max(self._top, self._n)

    def read(self, start: float, n: int) -> np.ndarray:
        """`n` samples at RATE from time `start`: silence where nothing (known) was playing."""
        import numpy as np

        out = np.zeros(n, dtype=np.float32)
        with self._lock:
            if self._end is None:
                return out
            first = self._n - round((self._end - start) * RATE)
            lo, hi = max(first, self._oldest()), min(first + n, self._n)
            if hi > lo:
                size = len(self._ring)
                i = lo % size
                head = min(hi - lo, size - i)
                out[lo - first:lo - first + head] = self._ring[i:i + head]
                out[lo - first + head:hi - first] = self._ring[:hi - lo - head]
        return out


class MicClock:
    """When each mic sample was heard, on the sound output's clock. Block arrival times jitter by
    milliseconds, and a mic's sample clock is not the output's (seen through PulseAudio: 50 ms
    blocks every 53.5 ms), so the time of sample n is a straight line fitted to the last few
    seconds of (samples so far, arrival time); a break in the stream starts it afresh."""

    def __init__(self, window: int = 80) -> None:
        self._points: deque[tuple[int, float]] = deque(maxlen=window)
        self._a = 0.0
        self._b = 1.0 / RATE
        self.samples = 0

    def add(self, n: int, arrived: float) -> None:
        """`n` more samples, the last of them heard at `arrived`."""
        import numpy as np

        if self._points and abs(arrived - self.at(self.samples + n)) > RESYNC_MIC_S:
            self._points.clear()  # the mic stopped and started again
        self.samples += n
        self._points.append((self.samples, arrived))
        if len(self._points) < 10:
            self._b = 1.0 / RATE
            self._a = arrived - self.samples * self._b
            return
        ns = np.array([p[0] for p in self._points], dtype=np.float64)
        ts = np.array([p[1] for p in self._points], dtype=np.float64)
        self._b, self._a = np.polyfit(ns - ns[-1], ts, 1)
        self._a -= self._b * ns[-1]

    def at(self, n: float) -> float:
        return self._a + self._b * n


class EchoCanceller:
    """Takes the guide's sound out of 16 kHz mic blocks. Call from one thread (the mic's)."""

    def __init__(self, reference: EchoReference) -> None:
        import numpy as np
        from livekit import rtc

        self._rtc = rtc
        self.reference = reference
        reference.wanted = True
        self._apm = rtc.AudioProcessingModule(echo_cancellation=True)
        self._clock = MicClock()
        self._pending = np.zeros(0, dtype=np.int16)  # mic samples short of a whole frame
        self._done = 0  # samples processed so far
        self._levels: deque[float] = deque(maxlen=600)  # the mic's block levels (dBFS), last 30 s
        self._guide_levels: deque[float] = deque(maxlen=200)  # ... of blocks while the guide sounded
        self.echo_heard = False  # see _hears_echo; judged once per block

    def __call__(self, pcm: np.ndarray, arrived: float) -> np.ndarray:
        """`pcm` (int16 at RATE) ended arriving at `arrived`; returns whole frames processed (a
        few samples may wait for the next block)."""
        import numpy as np

        self._clock.add(len(pcm), arrived)
        x = np.concatenate([self._pending, pcm]) if len(self._pending) else pcm
        whole = len(x) - len(x) % FRAME
        x, self._pending = x[:whole], x[whole:].copy()
        first, self._done = self._done, self._done + whole
        level = level_db(x.tobytes())
        self._levels.append(level)
        if self._clock.at(first) - self.reference.last_sound > IDLE_S:
            self.echo_heard = self._hears_echo()
            return x
        out = np.empty_like(x)
        far_energy = 0.0
        for i in range(0, whole, FRAME):
            t0, t1 = self._clock.at(first + i), self._clock.at(first + i + FRAME)
            span = max(1, round((t1 - t0) * RATE))  # the guide's sound in the time of this frame
            far = self.reference.read(t0, span)
            if span != FRAME:  # the mic's clock runs apart from the output's: fit one to the other
                far = np.interp(np.linspace(0, span - 1, FRAME), np.arange(span), far).astype(np.float32)
            far_energy += float(np.sum(far * far))
            far16 = np.clip(far * 32767.0, -32768, 32767).astype(np.int16)
            self._apm.process_reverse_stream(self._rtc.AudioFrame(far16.tobytes(), RATE, 1, FRAME))
            near = self._rtc.AudioFrame(x[i:i + FRAME].tobytes(), RATE, 1, FRAME)
            self._apm.process_stream(near)
            out[i:i + FRAME] = np.frombuffer(bytes(near.data), dtype=np.int16)
        if whole and far_energy / whole > 1e-8:  # the guide was sounding
            self._guide_levels.append(level)
        self.echo_heard = self._hears_echo()
        return out if self.echo_heard else x

    def _hears_echo(self) -> bool:
        """Whether the mic hears the guide: its typical level while the guide sounds stands clearly
        above its quietest. Until it does (headphones, a speaker far away, the first second), the
        mic's sound passes untouched: AEC3 still learns from it, but a canceller with nothing to
        cancel could only blur the couple's words."""
        import numpy as np

        if len(self._guide_levels) < 20:
            return False
        floor = float(np.percentile(self._levels, 10))
        return float(np.median(self._guide_levels)) - floor >= ECHO_HEARD_DB


class EchoCancelledSource:
    """A microphone (a source that says when each block `arrived`, on the output's clock) with the
    guide's sound taken out once the mic is found to hear it. Delivered at the mic's own rate: until
    then (and always, with headphones) the mic's blocks pass exactly as they came."""

    def __init__(self, mic: Any, reference: EchoReference, warn: Callable[[str], None] | None = None) -> None:
        self.mic = mic
        self.reference = reference
        self.name = mic.name
        self.rate = mic.rate
        self.live = getattr(mic, "live", False)
        self.warn = warn or (lambda text: print(f"voiceguide: {text}", file=sys.stderr))
        self._canceller: EchoCanceller | None = None
        self._unavailable = False

    def start(self, put: Put) -> None:
        import numpy as np
        import soxr

        if self._canceller is None and not self._unavailable:
            try:
                self._canceller = EchoCanceller(self.reference)
            except ImportError as exc:  # no wheel of it for this machine: listening goes on without
                self._unavailable = True
                self.warn(f"no echo cancellation ({exc}); with a speaker near the mic, say commands "
                          "when the guide is quiet")
        canceller = self._canceller
        if canceller is None:
            self.mic.start(put)
            return
        # To AEC3's 16 kHz and back. QQ (cubic) holds nothing back, where LQ holds back 20 ms and HQ
        # 30 ms, all of it added to every command's reaction. Measured on 360 espeak-ng Korean commands
        # fed at 44.1 kHz: recall 0.78 through QQ, 0.80 LQ, 0.78 HQ, 0.78 with Vosk resampling itself.
        rate = self.mic.rate
        down = soxr.ResampleStream(rate, RATE, 1, dtype="int16", quality="QQ") if rate != RATE else None
        up = soxr.ResampleStream(RATE, rate, 1, dtype="int16", quality="QQ") if rate != RATE else None

        def cancel(pcm: bytes | None) -> None:
            if pcm is None:
                put(None)
                return
            x = np.frombuffer(pcm, dtype=np.int16)
            y = canceller(down.resample_chunk(x) if down is not None else x, self.mic.arrived)
            if not canceller.echo_heard:
                put(pcm)
            elif len(y):
                put((up.resample_chunk(y) if up is not None else y).tobytes())

        self.mic.start(cancel)

    def stop(self) -> None:
        self.mic.stop()
