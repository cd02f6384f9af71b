"""`voiceguide play`: run a session."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from voiceguide import library
from voiceguide.cli import cli
from voiceguide.errors import VoiceguideError
from voiceguide.cli.sound import voice_for, voice_options
from voiceguide.plan import build_plan
from voiceguide.runner import Bus
from voiceguide.script.load import Exercise
from voiceguide.session import assemble, attach_stdin, names_for, pack_for, run
from voiceguide.settings import SessionOptions, Settings, build_settings


def positive(ctx: click.Context, param: click.Parameter, value: float) -> float:
    if value <= 0:
        raise click.BadParameter("must be more than 0")
    return value


@cli.command()
@click.argument("exercise")
@click.option("--partner-a", help="Partner A's name, as the guide will say it.")
@click.option("--partner-b", help="Partner B's name.")
@click.option("--first", type=click.Choice(["a", "b"]), default="a", show_default=True,
              help="Who takes the first turn.")
@click.option("--text", is_flag=True, help="Print what the guide would say instead of speaking it.")
@click.option("--no-listen", is_flag=True, help="Do not listen for voice commands; use the keys.")
@click.option("--time-scale", type=float, default=1.0, show_default=True, callback=positive,
              help="Run timers and pauses this many times faster (for previews and tests).")
@click.option("--trace", type=click.Path(dir_okay=False, path_type=Path),
              help="Write every event and action to this file as JSON lines.")
@click.option("--lang", "language", help="Language pack to use (default: the exercise's language).")
@click.option("--dir", "dirs", multiple=True, type=click.Path(file_okay=False, path_type=Path),
              help="Also look for exercises in this folder.")
@voice_options
def play(exercise: str, partner_a: str | None, partner_b: str | None, first: str, text: bool, no_listen: bool,
         time_scale: float, trace: Path | None, language: str | None, dirs: tuple[Path, ...],
         voice: str | None, rate: int | None, volume: float | None, output_device: str | None) -> None:
    """Play an exercise, step by step, through the speaker.

    EXERCISE is an exercise id (see 'voiceguide list') or a path to a script file.
    With --text the session is printed instead of spoken (no sound card needed).

    \b
    Keys while playing in a terminal:
      n or Enter  next        space  pause / resume
      r           repeat      b      back
      q           stop        h      help
    When stdin is not a terminal, each line is a command word (next, pause, resume,
    repeat, back, stop), handed in each time the session waits for someone to speak.
    """
    settings = build_settings({"partner_a": partner_a, "partner_b": partner_b, "language": language,
                               "voice": voice, "rate": rate, "volume": volume, "output_device": output_device})
    ex = library.find(exercise, dirs)
    options = SessionOptions(text=text, listen=not no_listen, time_scale=time_scale, trace=trace, first=first)  # type: ignore[arg-type]
    factory = None if text else SpeakerOutput(ex, settings, options)
    try:
        parts = assemble(ex, settings, options, output_factory=factory)
    except OSError as exc:
        raise VoiceguideError(f"cannot write the trace: {exc.strerror or exc}") from None
    if factory is not None:
        parts.closers.append(factory.speech.close)  # type: ignore[attr-defined]
    attach_stdin(parts, sys.stdin, voice=False)
    reason = run(parts, record=True)
    click.echo(f"session {reason}", err=True)


class SpeakerOutput:
    """Builds the session's AudioOutput. The speech worker starts rendering the whole exercise
    (first lines first) before the sound device is even opened, so the first word comes quickly."""

    def __init__(self, exercise: Exercise, settings: Settings, options: SessionOptions) -> None:
        from voiceguide.audioout import SoundDevice, missing_recordings, warm_up
        from voiceguide.playstate import PlayState
        from voiceguide.speech import Speech, session_texts

        warm_up()
        pack = pack_for(exercise, settings)
        plan = build_plan(exercise, names_for(settings, pack), first=options.first)
        self.settings = settings
        for message in missing_recordings(plan):
            click.echo(f"voiceguide: {message}", err=True)
        self.speech = Speech(voice_for(settings, pack), settings.rate)
        self.speech.prerender(session_texts(plan, pack.lines))
        try:
            self.device = SoundDevice(settings.output_device)
        except VoiceguideError:
            self.speech.close()
            raise
        self.playstate = PlayState()  # shared with the listener, once there is one

    def __call__(self, bus: Bus) -> object:
        from voiceguide.audioout import AudioOutput

        return AudioOutput(bus, self.device, self.speech, volume=self.settings.volume, playstate=self.playstate)
