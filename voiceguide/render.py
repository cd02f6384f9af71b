"""A whole session as one WAV, for authors: the same engine and runner as `play`, on virtual time.

The clock jumps straight to the next thing due, so a 16-minute exercise renders in seconds; every
sound is placed in the output at the virtual time it was started, timers and pauses are silence,
and each `wait: next` is answered after a short, fixed silence.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from voiceguide.audioout import chime_path, load_clip, missing_recordings
from voiceguide.errors import VoiceguideError
from voiceguide.events import Action, Chime, Command, EnterStep, Event, PlayClip, PlaybackDone, Playback
from voiceguide.runner import Bus, VirtualClock
from voiceguide.script.load import Exercise
from voiceguide.session import assemble, run
from voiceguide.settings import SessionOptions, Settings

if TYPE_CHECKING:
    import numpy as np

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


@dataclass
class RenderOutput:
    """runner.Output that writes each sound into a timeline at the bus clock's time."""

    bus: Bus
    speech: Speech | None
    rate: int = RATE
    warn: Callable[[str], None] = lambda message: None
    placed: list[_Placed] = field(default_factory=list)

    def _frame(self) -> int:
        return int(round(self.bus.clock.now() * self.rate))

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
        if path is not None:
            try:
                clip = load_clip(path, self.rate)
            except VoiceguideError as exc:
                self.warn(str(exc))
            else:
                samples = clip.mean(axis=1) if clip.shape[1] > 1 else clip[:, 0]
                self.placed.append(_Placed(self._frame(), samples))
                seconds = len(samples) / self.rate
        self.bus.post_after(seconds, PlaybackDone(sound.token))

    def stop(self) -> None:
        now = self._frame()
        for p in self.placed:
            if p.start + len(p.samples) > now:
                p.samples = p.samples[: max(0, now - p.start)]

    def close(self) -> None:
        pass

    def mix(self, end_frame: int) -> np.ndarray:
        import numpy as np

        total = max([end_frame] + [p.start + len(p.samples) for p in self.placed])
        out = np.zeros(total, dtype=np.float32)
        for p in self.placed:
            out[p.start : p.start + len(p.samples)] += p.samples
        return np.clip(out, -1.0, 1.0)


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
    """Play the session on virtual time into `out_path` (16-bit mono WAV at 22.05 kHz)."""
    import soundfile

    clock = RenderClock(WAIT_S / options.time_scale)
    holder: list[RenderOutput] = []

    def factory(bus: Bus) -> RenderOutput:
        holder.append(RenderOutput(bus, speech, warn=warn))
        return holder[0]

    parts = assemble(exercise, settings, options, clock=clock, output_factory=factory)
    for message in missing_recordings(parts.plan):
        warn(message)
    speech.prerender(plan_texts(parts))
    total = len(parts.plan)
    if on_step is not None:

        def observe(wall: float, message: Event | Action) -> None:
            if isinstance(message, EnterStep):
                on_step(message.index + 1, total)

        parts.observers.append(observe)
    reason = run(parts)
    samples = holder[0].mix(int(round(clock.now() * RATE)))
    try:
        soundfile.write(str(out_path), samples, RATE, subtype="PCM_16", format="WAV")
    except (OSError, RuntimeError) as exc:
        raise VoiceguideError(f"cannot write {out_path}: {exc}") from None
    return Rendered(out_path, len(samples) / RATE, reason)


def plan_texts(parts: object) -> list[str]:
    from voiceguide.speech import session_texts

    return session_texts(parts.plan, parts.pack.lines)  # type: ignore[attr-defined]
