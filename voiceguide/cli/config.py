"""`voiceguide config`: where the config file is, and the settings in force."""

from __future__ import annotations

import json
from dataclasses import asdict, fields

import click

from voiceguide.cli import cli
from voiceguide.settings import Settings, build_settings, config_path, sources
from voiceguide.termtext import json_printable, printable

EXAMPLE = """\
# voiceguide settings (TOML). Every line is optional.
partner-a = "Sam"
partner-b = "Alex"
language = "en"
voice = "en-us"          # see: voiceguide say --list-voices
rate = 140               # words a minute
volume = 0.8             # 0.0 to 1.0
# output-device = "USB"  # a number or part of a name from: voiceguide devices (unset: the system's own)
# enrolled-veto = "on"   # enrolled voices (voiceguide enroll) veto the recogniser's commands; off by default
"""


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print the path, values and sources as JSON.")
@click.option("--example", is_flag=True, help="Print an example config file to start from.")
def config(as_json: bool, example: bool) -> None:
    """Show the config file's path and the settings in force, with where each comes from.

    Settings come from, weakest first: built-in defaults, the config file (TOML), VOICEGUIDE_*
    environment variables (e.g. VOICEGUIDE_RATE=130), and a command's own options. Set
    VOICEGUIDE_CONFIG to use another config file.
    """
    if example:
        click.echo(EXAMPLE, nl=False)
        return
    path = config_path()
    settings: Settings = build_settings()
    origin = sources()
    values = asdict(settings)
    if as_json:
        click.echo(json_printable(json.dumps({"path": str(path), "exists": path.is_file(), "values": values,
                                              "sources": origin}, ensure_ascii=False, indent=2)))
        return
    click.echo(printable(f"config file: {path}" + ("" if path.is_file() else "  (not there yet; see --example)")))
    width = max(len(f.name) for f in fields(Settings)) + 1
    for f in fields(Settings):
        value = values[f.name]
        shown = "(not set)" if value is None else json.dumps(value, ensure_ascii=False)
        click.echo(printable(f"  {f.name.replace('_', '-'):<{width}} {shown:<20} {origin[f.name]}"))
