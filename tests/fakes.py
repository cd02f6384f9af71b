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
