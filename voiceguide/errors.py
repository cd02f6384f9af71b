"""The one domain error type, turned into a clean message and exit code at the CLI edge."""

from __future__ import annotations

from collections.abc import Sequence


class VoiceguideError(Exception):
    """A problem the user can act on. `exit_code` follows the CLI's contract: 2 bad input, 1 other."""

    exit_code = 1

    def __init__(self, message: str, *, exit_code: int | None = None) -> None:
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code


class BadInput(VoiceguideError):
    """The user handed us something invalid: a script, an option value, an exercise name."""

    exit_code = 2


class ScriptError(BadInput):
    """One or more problems in a script; the message is the problems, one `FILE:LINE: message` each.

    Lives here rather than beside the loader so the CLI edge can catch it without importing the
    script model (and pydantic) for commands that never load a script."""

    def __init__(self, problems: Sequence[object]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = list(problems)


class NoAudioDevice(VoiceguideError):
    """Audio in or out is not available; the message names the way out."""

    exit_code = 1


class Terminated(BaseException):
    """SIGTERM arrived: leave like Ctrl-C does (audio off, streams closed, history written), exit 143."""
