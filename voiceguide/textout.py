"""The text stand-in for audio out: prints what would be said, and takes about as long as saying it
would (divided by the time scale), so a session in --text mode keeps its rhythm."""

from __future__ import annotations

import sys
import wave
from typing import TextIO

from voiceguide.events import Action, CancelTimer, Chime, Event, PlayClip, PlaybackDone, Speak, StartTimer
from voiceguide.script.model import format_duration
from voiceguide.runner import Bus
from voiceguide.timing import CHIME_S, DEFAULT_RATE_WPM, speech_seconds

CHIME_WORDS = {"start": "[chime]", "end": "[chime]", "warn": "[soft chime]"}


class TextOutput:
    def __init__(
        self, bus: Bus, *, time_scale: float = 1.0, rate_wpm: float = DEFAULT_RATE_WPM, stream: TextIO | None = None
    ) -> None:
        self.bus = bus
        self.time_scale = time_scale
        self.rate_wpm = rate_wpm
        self.stream = stream or sys.stdout
        self._timer_shown = False  # a timed turn's timer is on screen (silent pauses never are)

    def _print(self, text: str) -> None:
        print(text, file=self.stream, flush=True)

    def play(self, sound: Speak | PlayClip | Chime) -> None:
        if isinstance(sound, Speak):
            if sound.text:
                self._print(sound.text)
            seconds = speech_seconds(sound.text, self.rate_wpm)
        elif isinstance(sound, Chime):
            self._print(CHIME_WORDS[sound.name])
            seconds = CHIME_S
        else:
            self._print(f"[sound: {sound.path.name}]")
            seconds = _wav_seconds(sound.path)
        self.bus.post_after(seconds / self.time_scale, PlaybackDone(sound.token))

    def stop(self) -> None:
        """Nothing is sounding; a line cut short has already been printed whole."""

    def close(self) -> None:
        pass

    def show(self, wall: float, message: Event | Action) -> None:
        """Observer: the timers of timed turns are visible in text mode; a silent pause is not, so
        stopping one shows nothing either."""
        if isinstance(message, StartTimer):
            self._timer_shown = message.purpose == "timer"
            if self._timer_shown:
                self._print(f"[timer: {format_duration(message.seconds * self.time_scale)}]")
        elif isinstance(message, CancelTimer):
            shown, self._timer_shown = self._timer_shown, False
            if shown and message.remaining > 0:
                self._print(f"[timer stopped, {format_duration(message.remaining * self.time_scale)} left]")


def _wav_seconds(path: object) -> float:
    try:
        with wave.open(str(path)) as w:
            return w.getnframes() / float(w.getframerate())
    except (OSError, wave.Error, EOFError):
        return 0.0
