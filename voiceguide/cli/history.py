"""`voiceguide history`: recent sessions and a weekly summary."""

from __future__ import annotations

import json
from dataclasses import asdict

import click

from voiceguide import history
from voiceguide.cli import cli
from voiceguide.termtext import json_printable, printable

BAR = "█"


@cli.command("history")
@click.option("-n", "--count", type=click.IntRange(min=1), default=10, show_default=True,
              help="How many recent sessions to show.")
@click.option("--weeks", type=click.IntRange(min=1), default=8, show_default=True,
              help="How many weeks the summary covers.")
@click.option("--json", "as_json", is_flag=True, help="Print every session as JSON lines instead.")
def history_command(count: int, weeks: int, as_json: bool) -> None:
    """Show recent sessions and minutes per week.

    The history holds only which exercise was played, when, for how long and how it ended:
    never audio, never anything that was said. It lives in a file in your data folder.
    """
    sessions = list(history.read())
    if as_json:
        for s in sessions:
            click.echo(json_printable(json.dumps(asdict(s), ensure_ascii=False, allow_nan=False)))
        return
    if not sessions:
        click.echo("No sessions yet. Try 'voiceguide play presence'.")
        return
    click.echo("Recent sessions:")
    for s in sessions[-count:][::-1]:
        minutes = s.duration_s / 60.0
        click.echo(printable(f"  {s.started:%a %d %b %H:%M}  {s.title:<28} {minutes:5.1f} min  {s.outcome}"))
    summary = history.weekly(sessions, weeks)
    top = max((m for _, _, m in summary), default=0.0) or 1.0
    click.echo("\nMinutes per week:")
    for monday, n, minutes in summary:
        bar = BAR * max(1 if minutes > 0 else 0, round(minutes / top * 30))
        click.echo(f"  week of {monday:%d %b}  {bar:<30} {minutes:5.0f} min, {n} session{'s' if n != 1 else ''}")
