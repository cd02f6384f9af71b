"""Fakes for every adapter: a clock you move by hand, an output that records, and friends."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from voiceguide.events import Chime, PlaybackDone, PlayClip, Speak
from voiceguide.runner import Bus

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))

# The playback state on a known timeline, and the guide's sound handed to the echo reference as a
# sound card would: shared with the benchmarks, so they live in scripts/listen_corpus.py.
from listen_corpus import PlayedAhead  # noqa: E402,F401
from listen_corpus import ScheduleGate as FakeGate  # noqa: E402,F401


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


# ---- listening (voiceguide.listen) ----------------------------------------------------------------
# A fake recogniser and audio source driven by one script of utterances, so the acceptance rules and
# the listener thread run exactly as with Vosk and a microphone, in milliseconds.

from voiceguide.listen.recognizer import Hypothesis, Word  # noqa: E402


@dataclass(frozen=True)
class Utterance:
    """Sound from `start` to `end` (seconds) at `level` dBFS, heard as `words` with confidence `conf`."""

    start: float
    end: float
    words: str
    conf: float = 1.0
    level: float = -20.0


class FakeRecognizer:
    """Hears the scripted utterances: partial words show up `lag` s after each word's share of the
    sound, and — like Vosk — a final comes by itself `endpoint` s after the sound, unless `finish`
    (the listener cutting the utterance) came first."""

    def __init__(self, utterances: list[Utterance], rate: int = 16000, *, lag: float = 0.1,
                 endpoint: float = 1.0, silence_endpoint: float = 5.0) -> None:
        self.rate = rate
        # Vosk's endpoint rule 1: an utterance ends by itself 5 s after it began, if nothing was
        # recognised by then - even when speech has just started (its first word is then cut).
        self.silence_endpoint = silence_endpoint
        self.last_final = 0.0
        self.utterances = sorted(utterances, key=lambda u: u.start)
        self.lag = lag
        self.endpoint = endpoint
        self.samples = 0
        self.done: set[int] = set()  # utterances already given out as finals
        self.finals: list[Hypothesis] = []
        self.vocabularies: list[tuple[str, ...]] = []  # the phrases of each set_phrases call
        self.vocabulary_times: list[float] = []  # and when it came (seconds of audio)

    @property
    def t(self) -> float:
        return self.samples / self.rate

    def _heard(self, u: Utterance) -> list[str]:
        words = u.words.split()
        if not words:
            return []
        share = (u.end - u.start) / len(words)
        return [w for i, w in enumerate(words) if self.t >= u.start + share * (i + 1) + self.lag - share / 2]

    def _open(self) -> list[tuple[int, Utterance]]:
        return [(i, u) for i, u in enumerate(self.utterances) if i not in self.done and u.start < self.t]

    def _final(self, items: list[tuple[int, Utterance]]) -> Hypothesis:
        words: list[Word] = []
        for i, u in items:
            heard = self._heard(u)
            self.done.add(i)
            share = (u.end - u.start) / max(1, len(u.words.split()))
            words += [Word(w, u.conf, u.start + k * share, u.start + (k + 1) * share) for k, w in enumerate(heard)]
        hyp = Hypothesis(" ".join(w.text for w in words), final=True, words=tuple(words))
        self.finals.append(hyp)
        self.last_final = self.t
        return hyp

    def feed(self, pcm: bytes) -> Hypothesis:
        self.samples += len(pcm) // 2
        items = self._open()
        if items and all(self.t >= u.end + self.endpoint for _, u in items):
            return self._final(items)
        if self.t - self.last_final >= self.silence_endpoint and not any(self._heard(u) for _, u in items):
            return self._final(items)
        return Hypothesis(" ".join(w for _, u in items for w in self._heard(u)))

    def finish(self) -> Hypothesis:
        return self._final(self._open())

    def set_phrases(self, phrases: Sequence[str], distractors: Sequence[str] = ()) -> None:
        """Like VoskRecognizer: a new vocabulary ends the open utterance and drops the words heard
        so far; the words still to come are heard afresh, from now on."""
        for i, u in self._open():
            self.done.add(i)
            rest = u.words.split()[len(self._heard(u)):]
            if rest and u.end > self.t:
                self.utterances.append(Utterance(self.t, u.end, " ".join(rest), u.conf, u.level))
        self.last_final = self.t
        self.vocabularies.append(tuple(phrases))
        self.vocabulary_times.append(self.t)


class FakeSource:
    """Audio blocks whose level follows the scripted utterances over `noise_db` (silence: -100)."""

    def __init__(self, utterances: list[Utterance], duration: float, rate: int = 16000, *,
                 noise_db: float = -100.0, block_s: float = 0.05) -> None:
        self.rate = rate
        self.name = "fake"
        self.utterances = utterances
        self.duration = duration
        self.noise_db = noise_db
        self.block = int(rate * block_s)

    def start(self, put) -> None:  # type: ignore[no-untyped-def]
        import numpy as np

        rng = np.random.default_rng(7)
        n = int(self.duration * self.rate)
        for i in range(0, n, self.block):
            t = (i + self.block / 2) / self.rate
            db = max([u.level for u in self.utterances if u.start <= t < u.end], default=self.noise_db)
            amp = 32768 * 10 ** (db / 20)
            x = rng.standard_normal(self.block) * amp if db > -99 else np.zeros(self.block)
            put(np.clip(x, -32768, 32767).astype(np.int16).tobytes())
        put(None)

    def stop(self) -> None:
        pass


def heard_in_room(utterances: list[Utterance], commands, duration: float | None = None, *,  # type: ignore[no-untyped-def]
                  noise_db: float = -100.0, gate: FakeGate | None = None) -> list[tuple[float, object]]:
    """What a session is posted while the couple talk: the real Listener and acceptance rules on
    the scripted utterances (FakeSource, FakeRecognizer), each accepted command and the first start
    of sound after it as a `Talk` (voiceguide.listen.heard), stamped with the audio's time (of the
    block they came in), so that an engine can be fed them on a fake clock on the same timeline."""
    from voiceguide.listen.accept import AcceptConfig, Acceptor
    from voiceguide.listen.heard import Heard
    from voiceguide.listen.listener import Listener

    duration = duration or max(u.end for u in utterances) + 3.0
    heard: list[tuple[float, object]] = []
    now = [0.0]

    def on_level(t: float, level: float) -> None:
        now[0] = t
        if gate is not None:
            gate.now = t

    voice = Heard(lambda event: heard.append((now[0], event)))
    rec = FakeRecognizer(utterances)
    listener = Listener(FakeSource(utterances, duration, noise_db=noise_db), lambda rate: rec,
                        Acceptor(commands, AcceptConfig(), gate), voice.decision, highpass=False, denoise=False,
                        on_level=on_level, on_talk=voice.talk)
    listener.start()
    assert listener.wait(10) and listener.error is None, listener.error
    return heard


# ---- a microphone that goes away and comes back (mic-loss tests) ------------------------------


class FlakySource:
    """A live source (like MicSource) following a plan, one entry per `start`: "fail" (cannot be
    opened: NoAudioDevice), or (seconds, then): that much audio — level following the utterances on
    the timeline of all audio delivered so far — then "end" (the stream ends by itself, as a failed
    PortAudio stream does) or "stall" (no more blocks, the stream stays open). Counts open streams."""

    live = True

    def __init__(self, plan: list, utterances: list[Utterance] = (), rate: int = 16000,  # type: ignore[assignment,type-arg]
                 block_s: float = 0.05) -> None:
        self.rate = rate
        self.name = "flaky mic"
        self.plan = list(plan)
        self.utterances = list(utterances)
        self.block = int(rate * block_s)
        self.sent = 0
        self.starts: list[float] = []  # time.monotonic() of every start
        self.open = 0
        self.max_open = 0

    def start(self, put) -> None:  # type: ignore[no-untyped-def]
        import time

        import numpy as np

        from voiceguide.errors import NoAudioDevice

        self.starts.append(time.monotonic())
        step = self.plan.pop(0) if self.plan else (0.0, "stall")
        if step == "fail":
            raise NoAudioDevice("cannot open the microphone 'flaky mic': device unavailable")
        self.open += 1
        self.max_open = max(self.max_open, self.open)
        seconds, then = step
        rng = np.random.default_rng(len(self.starts))
        for _ in range(int(seconds * self.rate) // self.block):
            t = (self.sent + self.block / 2) / self.rate
            db = max([u.level for u in self.utterances if u.start <= t < u.end], default=-100.0)
            x = rng.standard_normal(self.block) * 32768 * 10 ** (db / 20) if db > -99 else np.zeros(self.block)
            put(np.clip(x, -32768, 32767).astype(np.int16).tobytes())
            self.sent += self.block
        if then == "end":
            put(None)

    def stop(self) -> None:
        if self.open:
            self.open -= 1


# ---- one button (voiceguide.button) ----------------------------------------------------------------


class FakeKernelDevice:
    """An input device as python-evdev reads it from the kernel: batches of (type, code, value)
    events — EV_KEY (1) with value 1 down, 0 up, 2 auto-repeat, each batch closed by EV_SYN (0, 0,
    0). `script` holds (time, events) batches; each `read_events` sets `clock` to the next batch's
    time and returns it, or raises OSError(ENODEV) for "unplug" (as a device pulled out does)."""

    def __init__(self, script: list, clock: FakeClock, name: str = "Fake Presenter") -> None:  # type: ignore[type-arg]
        self.script = list(script)
        self.clock = clock
        self.name = name
        self.grabbed = False
        self.closed = False

    @staticmethod
    def key(code: int, *values: int) -> list[tuple[int, int, int]]:
        out: list[tuple[int, int, int]] = []
        for value in values:
            out += [(4, 4, 458827), (1, code, value), (0, 0, 0)]  # MSC_SCAN first, as USB keyboards send
        return out

    def grab(self) -> None:
        self.grabbed = True

    def read_events(self, timeout: float) -> list[tuple[int, int, int]]:
        import errno

        if not self.script:
            self.clock.advance(timeout)
            return []
        entry = self.script[0]
        if entry == "unplug":
            self.script.pop(0)
            raise OSError(errno.ENODEV, "No such device")
        t, events = entry
        if t > self.clock.t + timeout:
            self.clock.advance(timeout)
            return []
        self.script.pop(0)
        self.clock.t = max(self.clock.t, t)
        return list(events)

    def close(self) -> None:
        self.closed = True


class FakeButtonSource:
    """A button (voiceguide.button.sources.ButtonSource) pressed by a script of gestures in real
    time: "short", "long", "double" or "previous", each made of the raw edges a finger makes.
    A press is made only when `ready()` says so (e.g. the session waits for someone) and `gap_s`
    after the last one ended (keep it over the double-press window, or two presses make a double),
    so a whole session can be walked with the button alone. The first
    `missing` opens fail as an unplugged device's do."""

    live = True
    SHAPES = {
        "short": [(0.0, True), (0.1, False)],
        "long": [(0.0, True), (1.1, False)],
        "double": [(0.0, True), (0.08, False), (0.2, True), (0.28, False)],
    }

    def __init__(self, presses: list[str], ready=lambda: True, *, missing: int = 0, gap_s: float = 0.6,  # type: ignore[no-untyped-def]
                 and_then: str | None = None) -> None:
        self.name = "fake button"
        self.presses = list(presses)
        self.and_then = and_then  # pressed whenever ready, once `presses` are used up
        self.pressed: list[str] = []
        self.ready = ready
        self.missing = missing
        self.gap_s = gap_s
        self.opens = 0
        self._edges: list = []  # type: ignore[type-arg]
        self._free_at = 0.0

    def open(self) -> None:
        from voiceguide.button.sources import ButtonMissing

        self.opens += 1
        if self.opens <= self.missing:
            raise ButtonMissing("no input device named 'fake button' is plugged in")

    def read(self, timeout: float) -> list:  # type: ignore[type-arg]
        import time

        now = time.monotonic()
        if not self._edges and (self.presses or self.and_then) and now >= self._free_at and self.ready():
            gesture = self.presses.pop(0) if self.presses else self.and_then
            self.pressed.append(gesture)  # type: ignore[arg-type]
            if gesture == "previous":
                self._edges = [("previous", True, now), ("previous", False, now + 0.1)]
            else:
                self._edges = [("main", pressed, now + dt) for dt, pressed in self.SHAPES[gesture]]
            self._free_at = self._edges[-1][2] + self.gap_s
        due = [e for e in self._edges if e[2] <= now]
        if due:
            self._edges = self._edges[len(due):]
            return due
        wait = timeout if not self._edges else min(timeout, self._edges[0][2] - now)
        time.sleep(max(0.0, min(wait, 0.05)))
        return []

    def close(self) -> None:
        pass

    @property
    def done(self) -> bool:
        return not self.presses and not self._edges
