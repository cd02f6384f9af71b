"""`voiceguide play`: run a session."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from voiceguide.cli import cli, writable_target
from voiceguide.cli.sound import voice_options
from voiceguide.termtext import printable

if TYPE_CHECKING:
    from voiceguide.settings import Settings


def positive(ctx: click.Context, param: click.Parameter, value: float) -> float:
    from voiceguide.errors import BadInput
    from voiceguide.settings import check_time_scale

    try:
        return check_time_scale(value)
    except BadInput as exc:
        raise click.BadParameter(str(exc).removeprefix("--time-scale ")) from None


def session_options(f):  # type: ignore[no-untyped-def]
    """The options of a session, shared by play and menu: names, text or sound, voice commands,
    pacing, trace, language, extra exercise folders, and the voice."""
    f = voice_options(f)
    f = click.option("--dir", "dirs", multiple=True, type=click.Path(file_okay=False, path_type=Path),
                     help="Also look for exercises in this folder.")(f)
    f = click.option("--lang", "language",
                     help="Language pack to use (default: the exercise's language, or the config's).")(f)
    f = click.option("--trace", type=click.Path(dir_okay=False, path_type=Path), callback=writable_target,
                     help="Write every event and action to this file as JSON lines.")(f)
    f = click.option("--time-scale", type=float, default=1.0, show_default=True, callback=positive,
                     help="Run timers and pauses this many times faster (for previews and tests).")(f)
    f = click.option("--model", help="Vosk model folder for voice commands (default: found automatically).")(f)
    f = click.option("--input-device", help="Microphone for voice commands: a device name or number.")(f)
    f = click.option("--listen/--no-listen", "listen", default=None,
                     help="Listen for voice commands (default: on when speaking aloud, off with --text); "
                          "the keys work either way.")(f)
    f = click.option("--text", is_flag=True, help="Print what the guide would say instead of speaking it.")(f)
    f = click.option("--partner-b", help="Partner B's name.")(f)
    f = click.option("--partner-a", help="Partner A's name, as the guide will say it.")(f)
    return f


def session_settings(**given: object) -> Settings:
    """Settings from the session options that are settings (the rest are the session's own)."""
    from voiceguide.settings import build_settings

    names = ("partner_a", "partner_b", "language", "voice", "rate", "volume", "output_device", "input_device", "model")
    return build_settings({name: given.get(name) for name in names})


@cli.command()
@click.argument("exercise")
@click.option("--first", type=click.Choice(["a", "b"]), default=None,
              help="Who takes the first turn (default: the partners take turns, session by session).")
@click.option("--set", "question_set", type=click.IntRange(1, 20), default=None,
              help="Which set of a rotating exercise to play (default: the next one, from the history).")
@click.option("-v", "--verbose", is_flag=True,
              help="Also say on stderr everything the listener heard, and why what was not taken as a "
                   "command was not.")
@session_options
def play(exercise: str, first: str | None, question_set: int | None, text: bool, listen: bool | None,
         time_scale: float, trace: Path | None, dirs: tuple[Path, ...], verbose: bool, **given: object) -> None:
    """Play an exercise, step by step, through the speaker, listening for voice commands.

    EXERCISE is an exercise id (see 'voiceguide list') or a path to a script file.
    With --text the session is printed instead of spoken (no sound card needed).

    \b
    Say (or press, in a terminal):
      next    (n, Enter)   pause / resume (space)
      repeat  (r)          back (b)
      stop    (q)          help (h)
    When stdin is not a terminal, each line is a command word (next, pause, resume,
    repeat, back, stop), handed in each time the session waits for someone to speak.
    """
    from voiceguide import library, nextsession
    from voiceguide.errors import VoiceguideError
    from voiceguide.session import (assemble, attach_button, attach_listener, attach_stdin, is_preview, pack_for, run,
                                    voice_lost)
    from voiceguide.settings import SessionOptions

    settings = session_settings(**given)
    ex, entry = library.resolve(exercise, dirs)
    if entry is not None and entry.shadows is not None:
        click.echo(printable(f"voiceguide: playing your {entry.path}, not the built-in {exercise!r} it replaces"), err=True)
    listening = listen if listen is not None else not text
    rotation = None if question_set is None else question_set - 1
    options = SessionOptions(text=text, listen=listening, time_scale=time_scale, trace=trace, first=first,  # type: ignore[arg-type]
                             rotation=rotation)
    speaker = None
    if not text:
        from voiceguide.speaker import Speaker

        speaker = Speaker(settings, pack_for(ex, settings))
    try:
        parts = assemble(ex, settings, options, output_factory=speaker.output if speaker else None,
                         past=nextsession.past_sessions())
    except (OSError, VoiceguideError) as exc:
        if speaker is not None:
            speaker.close()
        if isinstance(exc, VoiceguideError):
            raise
        raise VoiceguideError(f"cannot write the trace: {exc.strerror or exc}") from None
    if speaker is not None:
        speaker.prerender(parts.plan, parts.pack)
        parts.closers.append(speaker.close)
    stdin_input: list[object] = []
    button = attach_button(parts, settings)
    voice = options.listen and attach_listener(
        parts, settings, gate=speaker.playstate if speaker else None,
        echo=speaker.echo if speaker else None,
        on_lost=None if button else lambda: voice_lost(parts, stdin_input[0] if stdin_input else None),
        verbose=verbose,
    )
    stdin_input.append(attach_stdin(parts, sys.stdin, voice=voice or button))
    reason = run(parts, record=not is_preview(options))
    click.echo(f"session {reason}", err=True)
