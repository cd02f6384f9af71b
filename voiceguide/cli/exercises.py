"""Commands for finding exercises and for authors: list, show, check, schema."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from voiceguide.cli import cli, writable_target
from voiceguide.termtext import json_printable, printable

# The script model (pydantic) and everything built on it load inside the commands, so that
# `voiceguide --help` and the commands that never read a script start at once.


def _short(text: str, limit: int = 70) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _rate_option(f):  # type: ignore[no-untyped-def]
    return click.option(
        "--rate", type=click.IntRange(60, 400), default=None,
        help="Speech rate in words a minute for the estimates (default: your setting, normally 140).",
    )(f)


@cli.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array (id, title, path, minutes, ...).")
@click.option("--dir", "dirs", multiple=True, type=click.Path(file_okay=False, path_type=Path),
              help="Also list the exercises in this folder (may be repeated).")
def list_command(as_json: bool, dirs: tuple[Path, ...]) -> None:
    """List the exercises you can play, with their estimated length.

    Besides the built-in exercises, this lists your own: the .yaml files in your exercise folder
    (on Linux ~/.local/share/voiceguide/exercises; the list ends with its exact place) and in every
    --dir folder. One of yours with the id of a built-in takes its place, and the list says so.
    'play' and 'show' find all of them by id.
    """
    from voiceguide import library
    from voiceguide.settings import build_settings
    from voiceguide.timing import exercise_minutes, whole_minutes

    settings = build_settings()
    rows = []
    said: list[str] = []  # the length as the menu says it
    found, skipped = library.scan(dirs)
    for entry in found:
        exercise = library.load_entry(entry)
        minutes = exercise_minutes(exercise, settings.rate)
        said.append(f"~{whole_minutes(minutes)} min")
        rows.append(
            {
                "id": entry.id,
                "title": exercise.script.title,
                "path": str(entry.path),
                "minutes": round(minutes, 1),
                "declared_minutes": exercise.script.minutes,
                "language": exercise.script.language,
                "depth": exercise.script.depth,
                "builtin": entry.builtin,
                "shadows": str(entry.shadows) if entry.shadows else None,
            }
        )
    if skipped:
        left_out = "; ".join(
            f"{s.path.name}{f':{s.problem.line}' if s.problem.line > 0 else ''} ({_short(s.problem.message)})"
            for s in skipped
        )
        folders = sorted({str(s.path.parent) for s in skipped})
        click.echo(printable(f"voiceguide: left out {len(skipped)} file(s) that do not load: {left_out}; "
                             f"'voiceguide check {' '.join(folders)}' says more"), err=True)
    if as_json:
        click.echo(json_printable(json.dumps(rows, ensure_ascii=False, indent=2)))
        return
    width = max((len(r["id"]) for r in rows), default=2)
    titles = max((columns(printable(r["title"])) for r in rows), default=0)
    lengths = max((len(m) for m in said), default=0)
    for r, length in zip(rows, said):
        note = f"  (yours, instead of the built-in {r['shadows']})" if r["shadows"] else ("" if r["builtin"] else "  (yours)")
        pad = " " * (titles - columns(printable(r["title"])))
        click.echo(printable(f"{r['id']:<{width}}  {r['title']}") + f"{pad}  {length:>{lengths}}" + printable(note))
    click.echo(printable(f"your own exercises go in {library.user_dir()}"), err=True)


def columns(text: str) -> int:
    """How many terminal columns `text` takes: wide characters (Korean, say) take two, so that a
    column after a title lines up."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 0 if unicodedata.combining(ch) else 1
               for ch in text)


@cli.command()
@click.argument("exercise")
@click.option("--partner-a", help="Name to use for partner A.")
@click.option("--partner-b", help="Name to use for partner B.")
@click.option("--first", type=click.Choice(["a", "b"]), default="a", show_default=True, help="Who takes the first turn.")
@click.option("--set", "question_set", type=click.IntRange(1, 20), default=1, show_default=True,
              help="Which set of a rotating exercise to show.")
@click.option("--dir", "dirs", multiple=True, type=click.Path(file_okay=False, path_type=Path),
              help="Also look for exercises in this folder.")
@_rate_option
def show(exercise: str, partner_a: str | None, partner_b: str | None, first: str, question_set: int,
         dirs: tuple[Path, ...], rate: int | None) -> None:
    """Print an exercise's steps as text, with the time each takes (for authors).

    EXERCISE is an exercise id (see 'voiceguide list') or a path to a script file.

    Each step shows when it starts and, in brackets, how long it takes: speech at the chosen
    rate, pauses and timers as written, and for each wait point the guide's prompt plus a few
    seconds for someone to say next. The total includes the guide's closing line.
    """
    from voiceguide import library
    from voiceguide.lang import load_pack
    from voiceguide.plan import Names, build_plan, with_guide_lines
    from voiceguide.script.model import format_duration
    from voiceguide.settings import build_settings
    from voiceguide.timing import speech_seconds, step_seconds

    settings = build_settings({"partner_a": partner_a, "partner_b": partner_b, "rate": rate})
    ex = library.find(exercise, dirs)
    pack = load_pack(settings.language or ex.script.language)
    names = Names(settings.partner_a or pack.names[0], settings.partner_b or pack.names[1])
    plan = build_plan(ex, names, first=first, rotation=question_set - 1)  # type: ignore[arg-type]
    plan = with_guide_lines(plan, end_early=pack.lines.end_early)
    click.echo(printable(f"{ex.script.title} ({ex.script.id}) — {ex.script.summary}"))
    click.echo(f"speech at {settings.rate} words a minute")
    elapsed = 0.0
    for i, step in enumerate(plan, 1):
        seconds = step_seconds(step, settings.rate, ready=pack.lines.ready)
        click.echo(printable(f"{format_clock(elapsed)}  {i:>3}. {_describe(step)}  [{format_duration(seconds)}]"))
        elapsed += seconds
    closing = speech_seconds(pack.lines.closing, settings.rate)
    click.echo(printable(f"{format_clock(elapsed)}       closing: {pack.lines.closing}  [{format_duration(closing)}]"))
    elapsed += closing
    declared = f" (the script says {ex.script.minutes:g} min)" if ex.script.minutes else ""
    click.echo(f"total about {format_duration(elapsed)}{declared}")


def format_clock(seconds: float) -> str:
    m, s = divmod(int(round(seconds)), 60)
    return f"{m:>2}:{s:02d}"


def _describe(step: object) -> str:
    from voiceguide.plan import ClipStep, PauseStep, SayStep, TimerStep, WaitStep, kind_of
    from voiceguide.script.model import format_duration

    who = f"({step.turn}) " if getattr(step, "turn", None) else ""  # type: ignore[attr-defined]
    if isinstance(step, SayStep):
        wait = "  → waits for next" if step.wait_next else ""  # the pack's ready prompt is in the timing
        rec = f"  (recorded: {step.audio.name})" if step.audio else ""
        guide = "guide " if step.system else ""  # the pack's own line, in every session
        return f"{who}{guide}say: {step.text}{rec}{wait}"
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
@click.option("--strict", is_flag=True, help="Treat warnings as failures (exit 1), for CI and before sharing.")
@_rate_option
def check(paths: tuple[Path, ...], strict: bool, rate: int | None) -> None:
    """Check exercise script files, and folders of them.

    Each problem is printed as FILE:LINE: message (FILE: message when it concerns the whole
    file); warnings as FILE:LINE: warning: message.
    Errors stop a script from loading. Warnings point at things that load but would not work
    well by ear: command words in spoken lines, unequal turns, an estimated length far from
    'minutes:', lines too long to follow, timers without a soft cue, audio files nothing uses
    (docs/authoring.md explains each).

    Exits 2 when any file has errors, 1 when there are warnings and --strict is given, else 0.
    """
    from voiceguide import library
    from voiceguide.script.load import Problem, check_file
    from voiceguide.settings import build_settings

    from voiceguide.script.lint import lint, unused_audio

    settings = build_settings({"rate": rate})
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
    folders: dict[Path, None] = {}
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
            problems.extend(lint(exercise, rate_wpm=settings.rate))
            folders.setdefault(exercise.folder, None)
    for folder in folders:
        problems.extend(unused_audio(folder))
    problems = list(dict.fromkeys(problems))
    for problem in problems:
        click.echo(printable(problem), err=True)
    errors = sum(not p.warning for p in problems)
    warnings = len(problems) - errors
    click.echo(f"{len(files)} file(s) checked, {errors} error(s), {warnings} warning(s)", err=True)
    if errors or ok != len(files):
        sys.exit(2)
    if strict and warnings:
        sys.exit(1)


@cli.command()
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), callback=writable_target,
              help="Write the schema to this file instead of printing it.")
def schema(output: Path | None) -> None:
    """Print the JSON Schema of the exercise script format.

    Point your editor at it for completion and inline errors while you write an exercise, e.g.
    save it with 'voiceguide schema -o exercise.schema.json' and put this first line in your
    script:  # yaml-language-server: $schema=exercise.schema.json
    (docs/authoring.md shows the VS Code settings too). It is generated from the same
    definition the checker uses; 'voiceguide check' also catches what a schema cannot, such as
    unknown placeholders and missing audio files.
    """
    from voiceguide.errors import VoiceguideError
    from voiceguide.script.schema import schema_json

    text = schema_json()
    if output is None:
        click.echo(text)
        return
    try:
        output.write_text(text + "\n", encoding="utf-8")
    except OSError as exc:
        raise VoiceguideError(f"cannot write {output}: {exc.strerror or exc}") from None
    click.echo(printable(f"wrote {output}"), err=True)
