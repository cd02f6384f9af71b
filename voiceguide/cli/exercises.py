"""Commands for finding and checking exercises: list, show, check."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from voiceguide import library
from voiceguide.cli import cli
from voiceguide.lang import load_pack
from voiceguide.plan import Names, build_plan, kind_of
from voiceguide.plan import ClipStep, PauseStep, SayStep, TimerStep, WaitStep
from voiceguide.script.load import Exercise, Problem, check_file, load
from voiceguide.script.model import format_duration
from voiceguide.settings import build_settings
from voiceguide.timing import plan_seconds, step_seconds


def _minutes(exercise: Exercise, rate: int) -> float:
    return plan_seconds(build_plan(exercise, Names("A", "B")), rate) / 60.0


@cli.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array (id, title, path, minutes, ...).")
@click.option("--dir", "dirs", multiple=True, type=click.Path(file_okay=False, path_type=Path),
              help="Also list the exercises in this folder (may be repeated).")
def list_command(as_json: bool, dirs: tuple[Path, ...]) -> None:
    """List the exercises you can play, with their estimated length."""
    settings = build_settings()
    rows = []
    for entry in library.entries(dirs):
        exercise = load(entry.path)
        rows.append(
            {
                "id": entry.id,
                "title": exercise.script.title,
                "path": str(entry.path),
                "minutes": round(_minutes(exercise, settings.rate), 1),
                "declared_minutes": exercise.script.minutes,
                "language": exercise.script.language,
                "builtin": entry.builtin,
                "shadows": str(entry.shadows) if entry.shadows else None,
            }
        )
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    width = max((len(r["id"]) for r in rows), default=2)
    for r in rows:
        note = "  (yours, instead of the built-in)" if r["shadows"] else ("" if r["builtin"] else "  (yours)")
        click.echo(f"{r['id']:<{width}}  {r['title']}  ~{r['minutes']:.0f} min{note}")


@cli.command()
@click.argument("exercise")
@click.option("--partner-a", help="Name to use for partner A.")
@click.option("--partner-b", help="Name to use for partner B.")
@click.option("--first", type=click.Choice(["a", "b"]), default="a", show_default=True, help="Who takes the first turn.")
@click.option("--dir", "dirs", multiple=True, type=click.Path(file_okay=False, path_type=Path),
              help="Also look for exercises in this folder.")
def show(exercise: str, partner_a: str | None, partner_b: str | None, first: str, dirs: tuple[Path, ...]) -> None:
    """Print an exercise's steps as text, with the time each takes (for authors).

    EXERCISE is an exercise id (see 'voiceguide list') or a path to a script file.
    """
    settings = build_settings({"partner_a": partner_a, "partner_b": partner_b})
    ex = library.find(exercise, dirs)
    pack = load_pack(settings.language or ex.script.language)
    plan = build_plan(ex, Names(settings.partner_a or pack.names[0], settings.partner_b or pack.names[1]), first=first)  # type: ignore[arg-type]
    click.echo(f"{ex.script.title} ({ex.script.id}) — {ex.script.summary}")
    elapsed = 0.0
    for i, step in enumerate(plan, 1):
        seconds = step_seconds(step, settings.rate)
        click.echo(f"{format_clock(elapsed)}  {i:>3}. {_describe(step)}  [{format_duration(seconds)}]")
        elapsed += seconds
    declared = f" (the script says {ex.script.minutes:g} min)" if ex.script.minutes else ""
    click.echo(f"total about {format_duration(elapsed)}{declared}")


def format_clock(seconds: float) -> str:
    m, s = divmod(int(round(seconds)), 60)
    return f"{m:>2}:{s:02d}"


def _describe(step: object) -> str:
    who = f"({step.turn}) " if getattr(step, "turn", None) else ""  # type: ignore[attr-defined]
    if isinstance(step, SayStep):
        wait = "  → waits for next" if step.wait_next else ""
        rec = f"  (recorded: {step.audio.name})" if step.audio else ""
        return f"{who}say: {step.text}{rec}{wait}"
    if isinstance(step, PauseStep):
        return f"{who}pause {format_duration(step.seconds)}"
    if isinstance(step, TimerStep):
        warn = f", soft chime {format_duration(step.warn)} before the end" if step.warn else ""
        end = "chime" if step.end_text is None else repr(step.end_text)
        return f"{who}timer {format_duration(step.seconds)}{warn}, ends with {end}"
    if isinstance(step, WaitStep):
        return f"{who}wait for next"
    if isinstance(step, ClipStep):
        return f"{who}play {step.name}"
    return kind_of(step)  # type: ignore[arg-type]


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
def check(paths: tuple[Path, ...]) -> None:
    """Check exercise script files, and folders of them.

    Each problem is printed as FILE:LINE: message. Exits 0 when every file is valid, 2 when any
    has errors.
    """
    files: list[Path] = []
    problems: list[Problem] = []
    for p in paths:
        if p.is_dir():
            found = sorted(q for q in p.iterdir() if q.suffix in library.SUFFIXES)
            if not found:
                problems.append(Problem(str(p), 0, "no .yaml exercise files in this folder"))
            files.extend(found)
        else:
            files.append(p)
    seen: dict[str, Path] = {}
    ok = 0
    for f in files:
        exercise, found = check_file(f)
        problems.extend(found)
        if exercise is not None:
            ident = exercise.script.id
            if ident in seen:
                problems.append(Problem(str(f), exercise.line_of(("id",)),
                                        f"duplicate id {ident!r}: {seen[ident]} already uses it; give each exercise its own id"))
            else:
                seen[ident] = f
                if not any(not p.warning for p in found):
                    ok += 1
    for problem in problems:
        click.echo(str(problem), err=True)
    errors = sum(not p.warning for p in problems)
    click.echo(f"{len(files)} file(s) checked, {errors} error(s)", err=True)
    if errors or ok != len(files):
        sys.exit(2)
