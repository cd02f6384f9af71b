"""`python -m tests.speak_as_text ARGS...`: voiceguide with a speaker that prints its lines instead
of playing them (quickly, and with no sound card), so that a session spoken aloud at its real
timings, which is not a preview, can be run by a test. Only the speaker is replaced."""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

from voiceguide.runner import Bus, Output
from voiceguide.textout import TextOutput

# How many times faster than real speech the lines "play" (timers keep the session's own scale).
PACE = float(os.environ.get("VOICEGUIDE_TEST_SPEECH_PACE", "1000"))


class TextSpeaker:
    """voiceguide.speaker.Speaker's surface, printing instead of playing."""

    def __init__(self, settings: Any, pack: Any, texts: Iterable[str] = ()) -> None:
        self.settings = settings
        self.playstate = None
        self.echo = None
        self._output: Output | None = None

    def prerender(self, plan: Any, pack: Any) -> None:
        pass

    def output(self, bus: Bus) -> Output:
        if self._output is None:
            self._output = TextOutput(bus, time_scale=PACE, rate_wpm=self.settings.rate)
        return self._output

    def close(self) -> None:
        pass


def main() -> None:
    import voiceguide.speaker

    voiceguide.speaker.Speaker = TextSpeaker  # type: ignore[misc,assignment]
    from voiceguide.cli import main as voiceguide_main

    voiceguide_main()


if __name__ == "__main__":
    main()
