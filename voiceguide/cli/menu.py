"""`voiceguide menu`: choose exercises by voice, one after another, with no screen."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from voiceguide.cli import cli
from voiceguide.cli.play import listen_options, positive
from voiceguide.cli.sound import voice_options


@cli.command()
@click.option("--loop", is_flag=True, help="Kiosk mode: after goodbye, wait quietly for the next time instead of exiting.")
@click.option("--partner-a", help="Partner A's name, as the guide will say it.")
@click.option("--partner-b", help="Partner B's name.")
@click.option("--text", is_flag=True, help="Print what the guide would say instead of speaking it.")
@listen_options
@click.option("--time-scale", type=float, default=1.0, show_default=True, callback=positive,
              help="Run timers and pauses this many times faster (for previews and tests).")
@click.option("--trace", type=click.Path(dir_okay=False, path_type=Path),
              help="Write every event and action (menu and sessions) to this file as JSON lines.")
@click.option("--lang", "language", help="Language pack to use (default: from the config, else English).")
@click.option("--dir", "dirs", multiple=True, type=click.Path(file_okay=False, path_type=Path),
              help="Also offer the exercises in this folder.")
@voice_options
def menu(loop: bool, partner_a: str | None, partner_b: str | None, text: bool, listen: bool | None,
         input_device: str | None, model: str | None, time_scale: float, trace: Path | None, language: str | None,
         dirs: tuple[Path, ...], voice: str | None, rate: int | None, volume: float | None,
         output_device: str | None) -> None:
    """Greet the couple and offer the exercises by voice, a few at a time.

    Say a title or its number (or press 1-9) to choose, "more" to hear others, "repeat" to hear
    them again, "next" to begin, and "stop" to finish. After each exercise the menu offers another.

    When stdin is not a terminal, a line may name an exercise (its id, title or number); other
    lines are commands, as in 'voiceguide play'.
    """
    from voiceguide.lang import load_pack
    from voiceguide.menuloop import run_menu
    from voiceguide.settings import SessionOptions, build_settings

    settings = build_settings({"partner_a": partner_a, "partner_b": partner_b, "language": language,
                               "voice": voice, "rate": rate, "volume": volume, "output_device": output_device,
                               "input_device": input_device, "model": model})
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
