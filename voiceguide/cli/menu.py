"""`voiceguide menu`: choose exercises by voice, one after another, with no screen."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from voiceguide.cli import cli
from voiceguide.cli.play import session_options, session_settings


@cli.command()
@click.option("--loop", is_flag=True, help="Kiosk mode: after goodbye, wait quietly for the next time instead of exiting.")
@session_options
def menu(loop: bool, text: bool, listen: bool | None, time_scale: float, trace: Path | None,
         dirs: tuple[Path, ...], **given: object) -> None:
    """Greet the couple and offer the exercises by voice, a few at a time.

    Say a title or its number (or press 1-9) to choose, "more" to hear others, "repeat" to hear
    them again, and "stop" to finish. Once a choice is named, "next" begins it and "back" offers
    the exercises again. After each exercise the menu offers another.

    When stdin is not a terminal, a line may name an exercise (its id, title or number); other
    lines are commands, as in 'voiceguide play'.
    """
    from voiceguide.lang import load_pack
    from voiceguide.menuloop import run_menu
    from voiceguide.settings import SessionOptions

    settings = session_settings(**given)
    listening = listen if listen is not None else not text
    options = SessionOptions(text=text, listen=listening, time_scale=time_scale, trace=trace)
    speaker = None
    if not text:
        from voiceguide.speaker import Speaker

        pack = load_pack(settings.language or "en")
        menu_lines = [pack.menu.greeting, pack.menu.another, pack.menu.goodbye]
        speaker = Speaker(settings, pack, menu_lines)
    try:
        ending = run_menu(settings, options, loop=loop, stdin=sys.stdin, dirs=dirs, speaker=speaker)
    finally:
        if speaker is not None:
            speaker.close()
    click.echo(f"menu ended: {ending}", err=True)
