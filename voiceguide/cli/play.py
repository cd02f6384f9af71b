"""`voiceguide play`: run a session."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from voiceguide.cli import cli
from voiceguide.cli.sound import voice_options


def positive(ctx: click.Context, param: click.Parameter, value: float) -> float:
    if value <= 0:
        raise click.BadParameter("must be more than 0")
    return value


def listen_options(f):  # type: ignore[no-untyped-def]
    """--listen/--no-listen, --input-device and --model, shared by play and menu."""
    f = click.option("--model", help="Vosk model folder for voice commands (default: found automatically).")(f)
    f = click.option("--input-device", help="Microphone for voice commands: a device name or number.")(f)
    f = click.option("--listen/--no-listen", "listen", default=None,
                     help="Listen for voice commands (default: on when speaking aloud, off with --text); "
                          "the keys work either way.")(f)
    return f


@cli.command()
@click.argument("exercise")
@click.option("--partner-a", help="Partner A's name, as the guide will say it.")
@click.option("--partner-b", help="Partner B's name.")
@click.option("--first", type=click.Choice(["a", "b"]), default="a", show_default=True,
              help="Who takes the first turn.")
@click.option("--text", is_flag=True, help="Print what the guide would say instead of speaking it.")
@listen_options
@click.option("--time-scale", type=float, default=1.0, show_default=True, callback=positive,
              help="Run timers and pauses this many times faster (for previews and tests).")
@click.option("--trace", type=click.Path(dir_okay=False, path_type=Path),
              help="Write every event and action to this file as JSON lines.")
@click.option("--lang", "language", help="Language pack to use (default: the exercise's language).")
@click.option("--dir", "dirs", multiple=True, type=click.Path(file_okay=False, path_type=Path),
              help="Also look for exercises in this folder.")
@voice_options
def play(exercise: str, partner_a: str | None, partner_b: str | None, first: str, text: bool, listen: bool | None,
         input_device: str | None, model: str | None, time_scale: float, trace: Path | None, language: str | None,
         dirs: tuple[Path, ...], voice: str | None, rate: int | None, volume: float | None,
         output_device: str | None) -> None:
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
    from voiceguide import library
    from voiceguide.errors import VoiceguideError
    from voiceguide.session import assemble, attach_listener, attach_stdin, pack_for, run, voice_lost
    from voiceguide.settings import SessionOptions, build_settings

    settings = build_settings({"partner_a": partner_a, "partner_b": partner_b, "language": language,
                               "voice": voice, "rate": rate, "volume": volume, "output_device": output_device,
                               "input_device": input_device, "model": model})
    ex = library.find(exercise, dirs)
    listening = listen if listen is not None else not text
    options = SessionOptions(text=text, listen=listening, time_scale=time_scale, trace=trace, first=first)  # type: ignore[arg-type]
    speaker = None
    if not text:
        from voiceguide.speaker import Speaker

        speaker = Speaker(settings, pack_for(ex, settings))
    try:
        parts = assemble(ex, settings, options, output_factory=speaker.output if speaker else None)
    except OSError as exc:
        if speaker is not None:
            speaker.close()
        raise VoiceguideError(f"cannot write the trace: {exc.strerror or exc}") from None
    if speaker is not None:
        speaker.prerender(parts.plan, parts.pack)
        parts.closers.append(speaker.close)
    stdin_input: list[object] = []
    voice = options.listen and attach_listener(
        parts, settings, gate=speaker.playstate if speaker else None,
        on_lost=lambda: voice_lost(parts, stdin_input[0] if stdin_input else None),
    )
    stdin_input.append(attach_stdin(parts, sys.stdin, voice=voice))
    reason = run(parts, record=True)
    click.echo(f"session {reason}", err=True)
