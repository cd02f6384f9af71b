"""The guide's voice for a whole run: the speech worker, the open sound device and the playback
state the listener reads. Built once and shared by every session and menu of a run."""

from __future__ import annotations

import sys
from collections.abc import Iterable

from voiceguide.errors import VoiceguideError
from voiceguide.lang import LanguagePack
from voiceguide.plan import PlanStep
from voiceguide.runner import Bus, Output
from voiceguide.settings import Settings


class Speaker:
    """Starts rendering before the sound device is even opened, so the first word comes quickly."""

    def __init__(self, settings: Settings, pack: LanguagePack, texts: Iterable[str] = ()) -> None:
        from voiceguide.audioout import SoundDevice, warm_up
        from voiceguide.listen.echo import EchoReference
        from voiceguide.playstate import PlayState
        from voiceguide.speech import Speech

        warm_up()
        self.settings = settings
        self.speech = Speech(settings.voice or pack.voice, settings.rate)
        self.speech.prerender(texts)
        try:
            self.device = SoundDevice(settings.output_device)
        except VoiceguideError:
            self.speech.close()
            raise
        self.playstate = PlayState()
        self.echo = EchoReference()  # what the guide plays, for taking it out of the mic
        self.device.tap = self.echo.push
        self._output: Output | None = None

    def prerender(self, plan: tuple[PlanStep, ...], pack: LanguagePack) -> None:
        """Render a session's lines ahead, reporting recorded lines whose file has gone."""
        from voiceguide.audioout import missing_recordings
        from voiceguide.speech import session_texts

        for message in missing_recordings(plan):
            print(f"voiceguide: {message}", file=sys.stderr)
        self.speech.prerender(session_texts(plan, pack.lines))

    def output(self, bus: Bus) -> Output:
        """The one AudioOutput of the run (one stream kept open), made on first use."""
        if self._output is None:
            from voiceguide.audioout import AudioOutput

            self._output = AudioOutput(bus, self.device, self.speech, volume=self.settings.volume,
                                       playstate=self.playstate)
        return self._output

    def close(self) -> None:
        if self._output is not None:
            self._output.close()
        self.speech.close()
