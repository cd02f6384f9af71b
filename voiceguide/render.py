"""A whole session as one WAV, for authors: the same engine and runner as `play`, on virtual time.

The clock jumps straight to the next thing due, so a 16-minute exercise renders in seconds; every
sound is placed in the output at the virtual time it was started, timers and pauses are silence,
and each `wait: next` is answered after a short, fixed silence. The file is written as virtual time
passes, so a four-hour session takes no more memory than a minute's (scripts/bench_render.py).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from voiceguide.audioout import chime_path, load_clip, missing_recordings
from voiceguide.errors import BadInput, VoiceguideError
from voiceguide.events import Action, Chime, Command, EnterStep, Event, PlayClip, PlaybackDone, Playback
from voiceguide.runner import Bus, VirtualClock
from voiceguide.script.load import Exercise
from voiceguide.session import assemble, run
from voiceguide.settings import SessionOptions, Settings

if TYPE_CHECKING:
    import numpy as np

    from voiceguide.plan import PlanStep
    from voiceguide.speech import Speech

RATE = 22050  # espeak-ng's own rate: speech is written as rendered
WAIT_S = 2.0  # how long the couple takes to say "next" in a preview (divided by the time scale)


class RenderClock(VirtualClock):
    """Virtual time in which someone says "next" `wait_s` after the session starts waiting."""

    def __init__(self, wait_s: float) -> None:
        super().__init__()
        self.wait_s = wait_s

    def idle(self) -> object:
        """The session waits for "next": it comes after a moment."""
        self.t += self.wait_s
        return Command("next", source="render")


@dataclass
class _Placed:
    start: int
    samples: np.ndarray

    @property
    def end(self) -> int:
        return self.start + len(self.samples)


CHUNK = 1 << 16  # frames mixed and written at a time (about 3 s): silence never takes more memory
CACHE_BYTES = 32 << 20  # decoded sounds kept for reuse (chimes, clips, lines said again)
# A WAV file's sizes are 32-bit: 16-bit mono holds at most this many frames (about 27 hours at 22.05 kHz).
MAX_FRAMES = (2**32 - 1 - 1024) // 2
SF_ERR_SYSTEM = 2  # libsndfile's code for a failed write(2): with nothing else to say, a full disk


def too_long(seconds: float) -> VoiceguideError:
    return BadInput(f"the session would last {seconds / 3600:.3g} hours or more, longer than a WAV file can hold "
                    f"(about {MAX_FRAMES // RATE // 3600} hours); shorten its timers and pauses with --time-scale")


class Timeline:
    """The session's sound, written to `sink` as virtual time passes, so memory stays flat however
    long the session is: what lies before the clock can no longer change (nothing starts in the
    past, and a stop only cuts what has not been heard yet), so it is mixed and written at once, and
    only the sounds still playing are kept."""

    def __init__(self, sink: Any, rate: int) -> None:
        self.sink = sink  # a soundfile.SoundFile open for writing, or anything with write(float32 frames)
        self.rate = rate
        self.written = 0
        self.playing: list[_Placed] = []

    def place(self, start: int, samples: np.ndarray) -> None:
        self.advance(start)
        if len(samples):
            self.playing.append(_Placed(max(start, self.written), samples))

    def cut(self, at: int) -> None:
        """Every sound still playing ends at frame `at`."""
        self.advance(at)
        for p in self.playing:
            p.samples = p.samples[: max(0, at - p.start)]
        self.playing = [p for p in self.playing if len(p.samples)]

    def advance(self, to: int) -> None:
        """Mix and write every frame before `to`, a chunk at a time."""
        import numpy as np

        if to > MAX_FRAMES:
            raise too_long(to / self.rate)
        while self.written < to:
            a = self.written
            b = min(to, a + CHUNK)
            out = np.zeros(b - a, dtype=np.float32)
            for p in self.playing:
                lo, hi = max(a, p.start), min(b, p.end)
                if lo < hi:
                    out[lo - a : hi - a] += p.samples[lo - p.start : hi - p.start]
            np.clip(out, -1.0, 1.0, out=out)  # libsndfile would wrap what goes past full scale
            self.sink.write(out)
            self.written = b
            self.playing = [p for p in self.playing if p.end > b]

    def finish(self, end: int) -> int:
        """Write up to `end` and to the end of every sound still playing; the number of frames written."""
        self.advance(max([end] + [p.end for p in self.playing]))
        return self.written


@dataclass
class RenderOutput:
    """runner.Output that writes each sound into the timeline at the bus clock's time. Each file is
    decoded once (chimes come back every turn) while the decoded sounds fit in CACHE_BYTES."""

    bus: Bus
    speech: Speech | None
    timeline: Timeline
    rate: int = RATE
    warn: Callable[[str], None] = lambda message: None
    _decoded: OrderedDict[Path, np.ndarray] = field(default_factory=OrderedDict)
    _failed: set[Path] = field(default_factory=set)

    def _frame(self) -> int:
        return int(round(self.bus.clock.now() * self.rate))

    def _samples(self, path: Path) -> np.ndarray | None:
        samples = self._decoded.get(path)
        if samples is not None:
            self._decoded.move_to_end(path)
            return samples
        if path in self._failed:
            return None
        try:
            clip = load_clip(path, self.rate)
        except VoiceguideError as exc:
            self._failed.add(path)
            self.warn(str(exc))
            return None
        samples = clip.mean(axis=1) if clip.shape[1] > 1 else clip[:, 0]
        self._decoded[path] = samples
        while len(self._decoded) > 1 and sum(s.nbytes for s in self._decoded.values()) > CACHE_BYTES:
            self._decoded.popitem(last=False)
        return samples

    def play(self, sound: Playback) -> None:
        path: Path | None
        if isinstance(sound, Chime):
            path = chime_path(sound.name)
        elif isinstance(sound, PlayClip):
            path = sound.path
        elif sound.audio is not None and sound.audio.is_file():
            path = sound.audio
        elif sound.text.strip() and self.speech is not None:
            path = self.speech.get(sound.text)
        else:
            path = None
        seconds = 0.0
        samples = self._samples(path) if path is not None else None
        if samples is not None:
            self.timeline.place(self._frame(), samples)
            seconds = len(samples) / self.rate
        self.bus.post_after(seconds, PlaybackDone(sound.token))

    def stop(self) -> None:
        self.timeline.cut(self._frame())

    def close(self) -> None:
        pass


@dataclass(frozen=True)
class Rendered:
    path: Path
    seconds: float
    reason: str


def render_session(
    exercise: Exercise,
    settings: Settings,
    options: SessionOptions,
    speech: Speech,
    out_path: Path,
    *,
    on_step: Callable[[int, int], None] | None = None,
    warn: Callable[[str], None] = lambda message: None,
) -> Rendered:
    """Play the session on virtual time into `out_path` (16-bit mono WAV at 22.05 kHz), written as
    it goes: memory does not grow with the session's length."""
    import soundfile

    from voiceguide.safeio import check_writable_target

    clock = RenderClock(WAIT_S / options.time_scale)
    holder: list[RenderOutput] = []
    sink = _Sink(out_path)

    def factory(bus: Bus) -> RenderOutput:
        holder.append(RenderOutput(bus, speech, Timeline(sink, RATE), warn=warn))
        return holder[0]

    parts = assemble(exercise, settings, options, clock=clock, output_factory=factory)
    least = least_seconds(parts.plan, options.time_scale)
    if least * RATE > MAX_FRAMES:
        raise too_long(least)
    check_writable_target(out_path, what="WAV file")
    for message in missing_recordings(parts.plan):
        warn(message)
    speech.prerender(plan_texts(parts))
    total = len(parts.plan)
    if on_step is not None:

        def observe(wall: float, message: Event | Action) -> None:
            if isinstance(message, EnterStep):
                on_step(message.index + 1, total)

        parts.observers.append(observe)
    try:
        sink.file = soundfile.SoundFile(str(out_path), "w", RATE, 1, subtype="PCM_16", format="WAV")
    except (OSError, RuntimeError) as exc:
        raise VoiceguideError(f"cannot write {out_path}: {exc}") from None
    try:
        reason = run(parts)
        frames = holder[0].timeline.finish(int(round(clock.now() * RATE)))
    finally:
        sink.close()
    return Rendered(out_path, frames / RATE, reason)


class _Sink:
    """The output file. A failed write (a full disk) ends the render with a message, once: the
    stop that follows while the session unwinds must not fail a second time."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.file: Any = None
        self.failed = False

    def write(self, frames: np.ndarray) -> None:
        if self.failed:
            return
        try:
            self.file.write(frames)
        except (OSError, RuntimeError) as exc:
            self.failed = True
            why = "the disk may be full" if getattr(exc, "code", None) == SF_ERR_SYSTEM else str(exc)
            raise VoiceguideError(f"cannot write {self.path} ({why}); the file is incomplete") from None

    def close(self) -> None:
        if self.file is None:
            return
        file, self.file = self.file, None
        try:
            file.close()
        except (OSError, RuntimeError) as exc:
            if not self.failed:
                self.failed = True
                raise VoiceguideError(f"cannot write {self.path}: {exc}") from None


def least_seconds(plan: Sequence[PlanStep], time_scale: float) -> float:
    """What the session takes at the least (its timers, pauses and waits), known before rendering."""
    from voiceguide.plan import PauseStep, TimerStep, WaitStep

    seconds = 0.0
    for step in plan:
        if isinstance(step, (TimerStep, PauseStep)):
            seconds += step.seconds / time_scale
        elif isinstance(step, WaitStep):
            seconds += WAIT_S / time_scale
    return seconds


def plan_texts(parts: object) -> list[str]:
    from voiceguide.speech import session_texts

    return session_texts(parts.plan, parts.pack.lines)  # type: ignore[attr-defined]
