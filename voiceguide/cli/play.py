"""`voiceguide play`: run a session."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import click

from voiceguide import library
from voiceguide.cli import cli
from voiceguide.errors import VoiceguideError
from voiceguide.session import SessionParts, assemble, attach_listener, attach_stdin, run, voice_lost
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
@click.option("--listen/--no-listen", "listen", default=None,
              help="Listen for voice commands (default: on when speaking aloud, off with --text); "
                   "the keys work either way.")
@click.option("--input-device", help="Microphone for voice commands: a device name or number.")
@click.option("--model", help="Vosk model folder for voice commands (default: found automatically).")
@click.option("--time-scale", type=float, default=1.0, show_default=True, callback=positive,
              help="Run timers and pauses this many times faster (for previews and tests).")
@click.option("--trace", type=click.Path(dir_okay=False, path_type=Path),
              help="Write every event and action to this file as JSON lines.")
@click.option("--lang", "language", help="Language pack to use (default: the exercise's language).")
@click.option("--dir", "dirs", multiple=True, type=click.Path(file_okay=False, path_type=Path),
              help="Also look for exercises in this folder.")
def play(exercise: str, partner_a: str | None, partner_b: str | None, first: str, text: bool, listen: bool | None,
         input_device: str | None, model: str | None,
         time_scale: float, trace: Path | None, language: str | None, dirs: tuple[Path, ...]) -> None:
    """Play an exercise, step by step.

    EXERCISE is an exercise id (see 'voiceguide list') or a path to a script file.

    \b
    Keys while playing in a terminal:
      n or Enter  next        space  pause / resume
      r           repeat      b      back
      q           stop        h      help
    When stdin is not a terminal, each line is a command word (next, pause, resume,
    repeat, back, stop), handed in each time the session waits for someone to speak.
    """
    settings = build_settings({"partner_a": partner_a, "partner_b": partner_b, "language": language,
                               "input_device": input_device, "model": model})
    no_listen = not (listen if listen is not None else not text)
    ex = library.find(exercise, dirs)
    if not text:
        raise VoiceguideError("speaking aloud is not available yet; use --text to read the session as text")
    options = SessionOptions(text=text, listen=not no_listen, time_scale=time_scale, trace=trace, first=first)  # type: ignore[arg-type]
    try:
        parts = assemble(ex, settings, options)
    except OSError as exc:
        raise VoiceguideError(f"cannot write the trace: {exc.strerror or exc}") from None
    inputs: dict[str, object] = {}
    voice = _start_listening(parts, settings, options, lambda: voice_lost(parts, inputs.get("stdin")))  # type: ignore[arg-type]
    inputs["stdin"] = attach_stdin(parts, sys.stdin, voice=voice)
    reason = run(parts)
    click.echo(f"session {reason}", err=True)


def _start_listening(parts: SessionParts, settings: Settings, options: SessionOptions,
                     on_lost: Callable[[], None]) -> bool:
    """Voice commands alongside the keys, when asked for (see --listen)."""
    if not options.listen:
        return False
    return attach_listener(parts, settings, on_lost=on_lost)
