"""Hostile input to what this part reads: `rotate` steps and `depth` in a script, `--set` and
`--first` on the command line, and a history file that decides the safety line, the opener and
the set. Each ends with a one-line message or plays; nothing outside voiceguide's folders moves."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.hostile.conftest import run_cli

HEAD = "id: hostile\ntitle: Hostile\nsummary: A hostile script.\n"
FAIR = """\
steps:
  - say: Hello.
  - rotate:
      - steps: [{say: One.}, {timer: 2s}]
      - steps: [{say: Two.}, {timer: 2s}]
"""


def write(folder: Path, body: str) -> Path:
    path = folder / "hostile.yaml"
    path.write_text(HEAD + body, encoding="utf-8")
    return path


def many_sets(n: int) -> str:
    return "steps:\n  - rotate:\n" + "".join(f"      - steps: [{{say: Set {i}.}}]\n" for i in range(n))


def nested(depth: int) -> str:
    inner = "{say: deep}"
    for _ in range(depth):
        inner = "{rotate: [{steps: [" + inner + "]}, {steps: [{say: x}]}]}"
    return "steps:\n  - " + inner + "\n"


@pytest.mark.parametrize("body, expected", [
    (many_sets(5000), "'rotate' in step 1 (rotate)"),
    (nested(3), "a 'rotate' step inside a 'rotate' set"),
    (nested(60), "nests more than 40 levels deep"),
    ("steps:\n  - rotate: {steps: [{say: A.}]}\n", "must be a list of sets"),
    ("steps:\n  - rotate: [[{say: A.}], [{say: B.}]]\n", "must be a mapping with 'steps:'"),
    ("steps:\n  - rotate: [{steps: 7}, {steps: [{say: B.}]}]\n", "'steps' in step 1 (rotate)"),
    ("steps:\n  - rotate: [{steps: [{turns: {steps: [{rotate: []}]}}]}, {steps: [{say: B.}]}]\n",
     "a 'rotate' step inside a 'turns' block"),
    ("depth: 9\n" + FAIR, "depth"),
    ("depth: [light]\n" + FAIR, "depth"),
], ids=["5000-sets", "nested-3", "nested-60", "mapping", "bare-lists", "steps-number", "rotate-in-turns", "depth-number",
        "depth-list"])
def test_bad_rotate_and_depth_get_one_message(tmp_path: Path, sentinel: Path, body: str, expected: str) -> None:
    path = write(tmp_path, body)
    for command in (["check", str(path)], ["play", str(path), "--text", "--no-listen"], ["show", str(path)]):
        ran = run_cli(*command, timeout=60)
        assert ran.returncode == 2, (command, ran.stderr[-800:])
        assert expected in ran.stderr, (command, ran.stderr[-800:])


@pytest.mark.parametrize("option", [["--set", "0"], ["--set", "21"], ["--set", "-1"], ["--set", "many"],
                                    ["--set", "1e9"], ["--first", "c"], ["--first", ""]])
def test_bad_set_or_first_is_a_usage_error(tmp_path: Path, sentinel: Path, option: list[str]) -> None:
    path = write(tmp_path, FAIR)
    for command in ("play", "show"):
        if command == "show" and option[0] == "--first" and option[1] == "":
            continue
        args = [command, str(path), *option] + (["--text", "--no-listen"] if command == "play" else [])
        ran = run_cli(*args, timeout=60)
        assert ran.returncode == 2, (args, ran.stderr[-800:])
        assert ran.stderr.count("\n") <= 4, ran.stderr


@pytest.mark.parametrize("history", [
    "",
    "\x00\x00\x00",
    "not json\n{\"exercise\": 5}\n[1, 2]\n",
    json.dumps({"exercise": "hostile", "title": "H", "start": "soon", "duration_s": 1, "outcome": "completed"}) + "\n",
    (json.dumps({"exercise": "hostile", "title": "H", "start": 1.0, "duration_s": 1.0, "outcome": "completed"}) + "\n")
    * 20001,
    json.dumps({"exercise": "hostile", "title": "H", "start": 1e308, "duration_s": -1, "outcome": "completed"})
    + "\n" + "{\"exercise\": \"hostile\", \"start\": 1",
], ids=["empty", "nul", "foreign", "bad-start", "20001-completed", "huge-and-torn"])
def test_a_damaged_history_still_plays_a_set_and_opens_with_someone(tmp_path: Path, sentinel: Path,
                                                                    history: str) -> None:
    data = tmp_path / "data"
    (data / "voiceguide").mkdir(parents=True)
    (data / "voiceguide" / "history.jsonl").write_text(history, encoding="utf-8")
    path = write(tmp_path, FAIR)
    ran = run_cli("play", str(path), "--text", "--no-listen", "--time-scale", "1000", timeout=120,
                  env={"XDG_DATA_HOME": str(data)})
    assert ran.returncode == 0, ran.stderr[-800:]
    assert ("One." in ran.stdout) != ("Two." in ran.stdout)
