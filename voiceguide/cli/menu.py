"""`voiceguide menu`: choose exercises by voice, one after another, with no screen."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from voiceguide.cli import cli
from voiceguide.cli.play import positive
from voiceguide.errors import VoiceguideError
from voiceguide.menuloop import run_menu
from voiceguide.settings import SessionOptions, build_settings


@cli.command()
@click.option("--loop", is_flag=True, help="Kiosk mode: after goodbye, wait quietly for the next time instead of exiting.")
@click.option("--partner-a", help="Partner A's name, as the guide will say it.")
@click.option("--partner-b", help="Partner B's name.")
@click.option("--text", is_flag=True, help="Print what the guide would say instead of speaking it.")
@click.option("--no-listen", is_flag=True, help="Do not listen for voice commands; use the keys.")
@click.option("--time-scale", type=float, default=1.0, show_default=True, callback=positive,
              help="Run timers and pauses this many times faster (for previews and tests).")
@click.option("--trace", type=click.Path(dir_okay=False, path_type=Path),
              help="Write every event and action (menu and sessions) to this file as JSON lines.")
@click.option("--lang", "language", help="Language pack to use (default: from the config, else English).")
@click.option("--dir", "dirs", multiple=True, type=click.Path(file_okay=False, path_type=Path),
              help="Also offer the exercises in this folder.")
def menu(loop: bool, partner_a: str | None, partner_b: str | None, text: bool, no_listen: bool, time_scale: float,
         trace: Path | None, language: str | None, dirs: tuple[Path, ...]) -> None:
    """Greet the couple and offer the exercises by voice, a few at a time.

    Say a title or its number (or press 1-9) to choose, "more" to hear others, "repeat" to hear
    them again, "next" to begin, and "stop" to finish. After each exercise the menu offers another.

    When stdin is not a terminal, a line may name an exercise (its id, title or number); other
    lines are commands, as in 'voiceguide play'.
    """
    settings = build_settings({"partner_a": partner_a, "partner_b": partner_b, "language": language})
    if not text:
        raise VoiceguideError("speaking aloud is not available yet; use --text to read the menu as text")
    options = SessionOptions(text=text, listen=not no_listen and False, time_scale=time_scale, trace=trace)
    ending = run_menu(settings, options, loop=loop, stdin=sys.stdin, dirs=dirs)
    click.echo(f"menu ended: {ending}", err=True)
