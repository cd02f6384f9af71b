"""Every built-in exercise, whatever files voiceguide/exercises/ holds: valid, warning-free,
fair to both partners, valid against the JSON Schema, and playable to the end."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import jsonschema
import pytest
import yaml
from click.testing import CliRunner

from voiceguide import library
from voiceguide.cli import cli
from voiceguide.lang import load_pack
from voiceguide.plan import Names, SayStep, TimerStep, WaitStep, build_plan, with_guide_lines
from voiceguide.script.lint import _unequal_turns, lint, unused_audio
from voiceguide.script.load import check_file, iter_steps, load
from voiceguide.script.schema import build_schema
from voiceguide.timing import exercise_seconds, step_seconds

BUILTINS = sorted(library.builtin_dir().glob("*.yaml"))
IDS = [p.stem for p in BUILTINS]
SEED_PRACTICES = ["connect", "presence", "start-small", "needs-sharing", "compassion", "seek-support"]


@pytest.fixture(autouse=True)
def _no_user_exercises(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """The developer's own exercise folder must not leak into these tests."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path_factory.mktemp("data")))


def test_the_six_practices_are_built_in() -> None:
    assert set(SEED_PRACTICES) <= set(IDS)


@pytest.mark.parametrize("path", BUILTINS, ids=IDS)
def test_valid_and_named_after_its_id(path: Path) -> None:
    exercise, problems = check_file(path)
    assert exercise is not None, problems
    assert [p for p in problems if not p.warning] == []
    assert exercise.script.id == path.stem


@pytest.mark.parametrize("path", BUILTINS, ids=IDS)
def test_no_warnings(path: Path) -> None:
    exercise = load(path)
    assert [str(p) for p in lint(exercise)] == []
    assert [str(p) for p in unused_audio(exercise.folder)] == []


def test_check_strict_passes_every_builtin() -> None:
    result = CliRunner().invoke(cli, ["check", "--strict", *map(str, BUILTINS)])
    assert result.exit_code == 0, result.output
    assert "0 error(s), 0 warning(s)" in result.output


@pytest.mark.parametrize("path", BUILTINS, ids=IDS)
def test_length_between_8_and_30_minutes(path: Path) -> None:
    exercise = load(path)
    estimate = exercise_seconds(exercise, pack=load_pack(exercise.script.language)) / 60
    assert exercise.script.minutes is not None, "declare minutes: so list and check can compare"
    assert 8 <= exercise.script.minutes <= 30
    assert 8 <= estimate <= 30, f"estimated {estimate:.1f} min"


@pytest.mark.parametrize("first", ["a", "b"])
@pytest.mark.parametrize("path", BUILTINS, ids=IDS)
def test_equal_turns(path: Path, first: str) -> None:
    """Each partner gets the same steps and the same time, whoever starts."""
    exercise = load(path)
    assert any(inside for *_, inside in iter_steps(exercise.script)), "the exercise has no turns"  # rotate sets too
    plan = build_plan(exercise, Names("Ann", "Bob"), first=first)  # type: ignore[arg-type]
    seconds: dict[str, float] = defaultdict(float)
    timed: dict[str, float] = defaultdict(float)
    kinds: dict[str, list[str]] = defaultdict(list)
    for step in plan:
        if step.turn is not None:
            seconds[step.turn] += step_seconds(step)
            kinds[step.turn].append(type(step).__name__)
            if isinstance(step, TimerStep):
                timed[step.turn] += step.seconds
    assert kinds["a"] == kinds["b"]
    assert seconds["a"] == pytest.approx(seconds["b"])
    assert timed["a"] == timed["b"] > 0
    assert _unequal_turns(exercise) == []
    first_turn = next(s.turn for s in plan if s.turn is not None)
    assert first_turn == first


@pytest.mark.parametrize("path", BUILTINS, ids=IDS)
def test_opens_softly_and_longer_turns_have_a_cue(path: Path) -> None:
    exercise = load(path)
    plan = build_plan(exercise, Names("Ann", "Bob"))
    assert isinstance(plan[0], SayStep), "open with a greeting"
    for step in plan:
        if isinstance(step, TimerStep) and step.seconds >= 120:
            assert step.warn is not None


@pytest.fixture(scope="module")
def script_schema() -> dict:
    schema = build_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return schema


@pytest.mark.parametrize("path", BUILTINS, ids=IDS)
def test_validates_against_the_json_schema(path: Path, script_schema: dict) -> None:
    data = yaml.safe_load(path.read_text("utf-8"))
    jsonschema.validate(data, script_schema, cls=jsonschema.Draft202012Validator)


def wait_points(path: Path) -> int:
    plan = build_plan(load(path), Names("A", "B"))
    return sum(1 for s in plan if isinstance(s, WaitStep) or (isinstance(s, SayStep) and s.wait_next))


@pytest.mark.parametrize("path", BUILTINS, ids=IDS)
def test_plays_to_the_end_in_text_mode(path: Path, tmp_path: Path) -> None:
    trace = tmp_path / "trace.jsonl"
    lines = load_pack(load(path).script.language).lines  # a first session: the safety line, and how to end a turn early
    steps = len(with_guide_lines(build_plan(load(path), Names("A", "B")), safety=lines.safety, end_early=lines.end_early))
    result = CliRunner().invoke(
        cli,
        ["play", path.stem, "--text", "--no-listen", "--time-scale", "1000", "--trace", str(trace),
         "--partner-a", "Ann", "--partner-b", "Bob"],
        input="next\n" * wait_points(path),
    )
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in trace.read_text().splitlines()]
    assert [r["index"] for r in records if r["kind"] == "step"] == list(range(steps))
    assert records[-1] == {**records[-1], "kind": "end", "reason": "completed"}
    assert load_pack(load(path).script.language).lines.closing in result.output
    assert "{" not in result.output, "a placeholder was left unfilled"


def test_list_shows_every_builtin() -> None:
    result = CliRunner().invoke(cli, ["list", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert sorted(r["id"] for r in rows) == sorted(IDS)
    assert all(r["builtin"] and r["shadows"] is None for r in rows)


def test_scan_names_the_user_files_it_leaves_out_and_keeps_the_rest(tmp_path: Path) -> None:
    (tmp_path / "good.yaml").write_text("id: good\ntitle: T\nsummary: S\nsteps:\n  - say: Hello.\n")
    (tmp_path / "big.yaml").write_text("id: big\ntitle: T\nsummary: S\nsteps:\n  - pause: " + "9" * 5000 + "\n")
    found, skipped = library.scan((tmp_path,))
    assert {"good", *IDS} == {e.id for e in found}
    [left_out] = skipped
    assert left_out.path == tmp_path / "big.yaml" and left_out.problem.line == 5
    assert library.find("good", (tmp_path,)).script.id == "good"
