"""The authors' commands: schema, show with timings, user exercise folders, and --help everywhere."""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path

import click
import jsonschema
import pytest
import yaml
from click.testing import CliRunner

from voiceguide import library
from voiceguide.cli import cli
from voiceguide.script.model import Script
from voiceguide.script.schema import build_schema

TINY = textwrap.dedent("""\
    id: {id}
    title: {title}
    summary: A small script.
    steps:
      - say: Hello {{a}} and {{b}}.
      - pause: 10s
      - turns:
          steps:
            - say: "{{speaker}}, you have the floor."
            - timer: 1m
""")


@pytest.fixture
def data_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "data"
    monkeypatch.setenv("XDG_DATA_HOME", str(home))
    return home


def write(folder: Path, ident: str, title: str = "Mine") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{ident}.yaml"
    path.write_text(TINY.format(id=ident, title=title), encoding="utf-8")
    return path


# --- schema --------------------------------------------------------------------------------------


def test_schema_command_prints_the_generated_schema(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["schema"])
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout)
    assert printed == build_schema()
    jsonschema.Draft202012Validator.check_schema(printed)
    out = tmp_path / "exercise.schema.json"
    assert CliRunner().invoke(cli, ["schema", "-o", str(out)]).exit_code == 0
    assert json.loads(out.read_text("utf-8")) == printed


def test_schema_follows_the_models() -> None:
    schema = build_schema()
    assert set(schema["properties"]) == set(Script.model_fields)
    assert schema["required"] == ["id", "title", "summary", "steps"]
    kinds = {ref["$ref"].rsplit("/", 1)[1] for ref in schema["properties"]["steps"]["items"]["oneOf"]}
    assert kinds == {"Say", "Pause", "Timer", "Wait", "Clip", "Turns", "Rotate"}
    assert all(schema["$defs"][k]["defaultSnippets"] for k in kinds)


@pytest.mark.parametrize(
    "step, valid",
    [
        ({"say": "Hello."}, True),
        ({"say": "Hello.", "wait": "next", "audio": "hello.wav"}, True),
        ({"pause": "1m30s"}, True),
        ({"timer": 90, "warn": "20s", "end": "Time is up."}, True),
        ({"wait": "next"}, True),
        ({"audio": "bell.wav"}, True),
        ({"turns": {"order": ["b", "a"], "steps": [{"timer": "1m"}]}}, True),
        ({"say": "Hello.", "timer": "1m"}, False),
        ({"pause": "soon"}, False),
        ({"wait": "later"}, False),
        ({"turns": {"steps": [{"turns": {"steps": [{"wait": "next"}]}}]}}, False),
        ({"turns": {"order": ["a", "c"], "steps": [{"wait": "next"}]}}, False),
        ({"rotate": [{"steps": [{"say": "One."}]}, {"steps": [{"turns": {"steps": [{"timer": "1m"}]}}]}]}, True),
        ({"rotate": [{"steps": [{"say": "Only one set."}]}]}, False),
        ({"rotate": [{"steps": [{"say": "One."}]}, {"steps": []}]}, False),
        ({"rotate": [{"steps": [{"say": "One."}]}, {"say": "Not a set."}]}, False),
        ({"rotate": [{"steps": [{"rotate": [{"steps": [{"say": "A."}]}, {"steps": [{"say": "B."}]}]}]},
                     {"steps": [{"say": "B."}]}]}, False),
        ({"turns": {"steps": [{"rotate": [{"steps": [{"say": "A."}]}, {"steps": [{"say": "B."}]}]}]}}, False),
        ({}, False),
    ],
)
def test_schema_accepts_and_refuses_steps_like_the_loader(step: dict, valid: bool, tmp_path: Path) -> None:
    from voiceguide.script.load import check_file

    doc = {"id": "x", "title": "X", "summary": "X.", "steps": [step]}
    errors = list(jsonschema.Draft202012Validator(build_schema()).iter_errors(doc))
    assert (not errors) == valid, errors
    (tmp_path / "hello.wav").write_bytes(b"RIFF")
    (tmp_path / "bell.wav").write_bytes(b"RIFF")
    path = tmp_path / "x.yaml"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    exercise, problems = check_file(path)
    assert (exercise is not None) == valid, problems


# --- show ----------------------------------------------------------------------------------------


def _show_lines(args: list[str]) -> tuple[list[tuple[int, int]], int]:
    result = CliRunner().invoke(cli, ["show", *args])
    assert result.exit_code == 0, result.output
    durations = []
    for line in result.stdout.splitlines():
        m = re.search(r"\[(?:(\d+)m)?(?:(\d+)s)?\]$", line)
        if m:
            durations.append((int(m.group(1) or 0), int(m.group(2) or 0)))
    total = re.search(r"total about (?:(\d+)m)?(?:(\d+)s)?", result.stdout)
    assert total, result.stdout
    return durations, int(total.group(1) or 0) * 60 + int(total.group(2) or 0)


def test_show_prints_each_step_and_the_total(tmp_path: Path) -> None:
    path = write(tmp_path, "tiny")
    result = CliRunner().invoke(cli, ["show", str(path), "--partner-a", "Ann", "--partner-b", "Bob"])
    assert result.exit_code == 0, result.output
    assert "pause 10s  [10s]" in result.stdout
    assert "(a) timer 1m, ends with chime  [1m02s]" in result.stdout  # the timer and its end chime
    assert "(b) say: Bob, you have the floor." in result.stdout
    durations, total = _show_lines([str(path)])
    assert len(durations) == 8  # six steps, the guide's line on ending a turn early, and the closing line
    assert "guide say: If you finish before the time is up, say next to end your turn." in result.stdout
    assert abs(sum(m * 60 + s for m, s in durations) - total) <= len(durations)


def test_show_rate_changes_the_speech_estimate(tmp_path: Path) -> None:
    path = write(tmp_path, "tiny")
    slow = _show_lines([str(path), "--rate", "80"])
    fast = _show_lines([str(path), "--rate", "300"])
    assert slow[1] > fast[1]
    assert slow[0][1] == fast[0][1] == (0, 10)  # a pause does not depend on the rate
    assert CliRunner().invoke(cli, ["show", str(path), "--rate", "20"]).exit_code == 2


# --- user exercises ------------------------------------------------------------------------------


def test_user_folder_is_platform_data_dir(data_home: Path) -> None:
    assert library.user_dir() == data_home / "voiceguide" / "exercises"


def test_user_exercises_are_listed_and_playable_by_id(data_home: Path) -> None:
    write(data_home / "voiceguide" / "exercises", "evening-walk", "Evening walk")
    runner = CliRunner()
    rows = json.loads(runner.invoke(cli, ["list", "--json"]).stdout)
    mine = next(r for r in rows if r["id"] == "evening-walk")
    assert mine["builtin"] is False and mine["shadows"] is None
    listed = runner.invoke(cli, ["list"])
    assert re.search(r"evening-walk\s+Evening walk\s+~\d+ min\s+\(yours\)", listed.stdout)
    assert str(library.user_dir()) in listed.output
    shown = runner.invoke(cli, ["show", "evening-walk"])
    assert shown.exit_code == 0 and "Evening walk (evening-walk)" in shown.stdout
    played = runner.invoke(cli, ["play", "evening-walk", "--text", "--no-listen", "--time-scale", "1000"], input="")
    assert played.exit_code == 0, played.output
    assert "Partner A, you have the floor." in played.stdout


def test_user_file_shadows_a_builtin_and_list_says_so(data_home: Path) -> None:
    mine = write(data_home / "voiceguide" / "exercises", "presence", "My presence")
    runner = CliRunner()
    rows = json.loads(runner.invoke(cli, ["list", "--json"]).stdout)
    presence = [r for r in rows if r["id"] == "presence"]
    assert len(presence) == 1
    assert presence[0]["path"] == str(mine)
    assert presence[0]["shadows"] == str(library.builtin_dir() / "presence.yaml")
    assert "My presence" in runner.invoke(cli, ["list"]).stdout
    assert "instead of the built-in" in runner.invoke(cli, ["list"]).stdout
    assert "My presence (presence)" in runner.invoke(cli, ["show", "presence"]).stdout


def test_dir_option_on_list_show_and_play(data_home: Path, tmp_path: Path) -> None:
    extra = tmp_path / "shared"
    write(extra, "from-dir", "From a folder")
    runner = CliRunner()
    assert "from-dir" not in runner.invoke(cli, ["list"]).stdout
    assert "from-dir" in runner.invoke(cli, ["list", "--dir", str(extra)]).stdout
    assert runner.invoke(cli, ["show", "from-dir", "--dir", str(extra)]).exit_code == 0
    played = runner.invoke(cli, ["play", "from-dir", "--dir", str(extra), "--text", "--no-listen",
                                 "--time-scale", "1000"], input="")
    assert played.exit_code == 0, played.output
    missing = runner.invoke(cli, ["play", "from-dir", "--text"])
    assert missing.exit_code == 2 and "no exercise called 'from-dir'" in missing.output


def test_broken_user_file_does_not_break_list(data_home: Path) -> None:
    folder = data_home / "voiceguide" / "exercises"
    folder.mkdir(parents=True)
    (folder / "broken.yaml").write_text("id: [\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["list"])
    assert result.exit_code == 0, result.output
    assert "presence" in result.stdout


# --- help ----------------------------------------------------------------------------------------


def _commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    out = []
    for name, command in group.commands.items():
        out.append(prefix + (name,))
        if isinstance(command, click.Group):
            out.extend(_commands(command, prefix + (name,)))
    return out


@pytest.mark.parametrize("path", _commands(cli), ids=" ".join)
def test_every_command_has_help(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(cli, [*path, "--help"])
    assert result.exit_code == 0, result.output
    command: click.Command = cli
    for name in path:
        command = command.commands[name]  # type: ignore[attr-defined]
    assert command.help and len(command.help.split()) >= 5, f"{' '.join(path)} needs --help text"
    for param in command.params:
        if isinstance(param, click.Option) and not param.hidden:
            assert param.help, f"{' '.join(path)} {param.opts[0]} has no help text"


# --- docs ----------------------------------------------------------------------------------------

DOCS = Path(__file__).resolve().parent.parent / "docs" / "authoring.md"


def test_the_complete_example_in_the_docs_passes_check_strict(tmp_path: Path) -> None:
    """An author copies it first; it must be a good exercise by every rule we state."""
    blocks = re.findall(r"```yaml\n(.*?)```", DOCS.read_text("utf-8"), re.S)
    example = next(b for b in blocks if b.lstrip("#").find("\nid: ") >= 0)
    path = tmp_path / "evening-check-in.yaml"
    path.write_text(example, encoding="utf-8")
    result = CliRunner().invoke(cli, ["check", "--strict", str(path)])
    assert result.exit_code == 0, result.output
    jsonschema.validate(yaml.safe_load(example), build_schema(), cls=jsonschema.Draft202012Validator)


def test_docs_state_the_lint_thresholds_in_force() -> None:
    from voiceguide.script import lint

    text = DOCS.read_text("utf-8")
    assert f"more than {lint.MAX_LINE_WORDS} words" in text
    assert f"more than {lint.MAX_SENTENCE_WORDS}" in text
    assert f"{lint.DURATION_TOLERANCE:.0%}".replace("%", " %") in text
    assert lint.LONG_TIMER_S == 120 and "two minutes or more" in text
