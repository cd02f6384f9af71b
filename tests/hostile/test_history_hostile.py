"""A history that is damaged, absurd or not a file at all: `history`, `menu` and `play` go on,
skipping what is not a record, and say in one line what they could not use."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.hostile.conftest import ROOT, run_cli
from voiceguide import history

GOOD = {"exercise": "presence", "title": "Presence", "start": 1_764_000_000.0, "duration_s": 720.0,
        "outcome": "completed"}


def line(**changes: object) -> str:
    return json.dumps({**GOOD, **changes})


BAD_LINES = [
    line(start=float("nan")),  # json writes NaN
    line(duration_s=float("inf")),  # Infinity
    line(start=float("-inf")),
    line(start=1e18),  # the year 31 million
    line(start=-1e18),
    line(start=253_402_300_800.0),  # the first second of the year 10000
    line(duration_s=1e308),  # minutes of infinity in the weekly summary
    line(start=10**400),  # an integer no float can hold
    '{"exercise": "presence", "start": ' + "9" * 5000 + "}",  # more digits than Python will read
    "[" * 100_000 + "]" * 100_000,  # nested past the recursion limit
    '{"a": ' * 50_000 + "1" + "}" * 50_000,
    line(exercise=["presence"]),
    line(title={"a": 1}),
    line(start=True),
    line(start="yesterday"),
    "[1, 2, 3]",
    '"just a string"',
    "x" * 2_000_000,  # a line of 2 MB
    line()[:-7],  # torn
]


def write_history(lines: list[str]) -> Path:
    path = history.history_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def strict_json(text: str) -> object:
    def refuse(name: str) -> None:
        raise AssertionError(f"{name} is not JSON")

    return json.loads(text, parse_constant=refuse)


def test_history_skips_absurd_lines_and_shows_the_sound_ones(sentinel: Path) -> None:
    write_history([line(), *BAD_LINES, line(start=1_764_100_000.0, outcome="stopped")])
    ran = run_cli("history", timeout=60)
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.count("Presence") == 2 and "stopped" in ran.stdout
    ran = run_cli("history", "--json", timeout=60)
    assert ran.returncode == 0, ran.stderr
    records = [strict_json(text) for text in ran.stdout.splitlines()]
    assert [r["outcome"] for r in records] == ["completed", "stopped"]  # type: ignore[index]


@pytest.mark.parametrize("bad", BAD_LINES[:11], ids=lambda text: text[:24])
def test_each_absurd_line_alone(bad: str) -> None:
    write_history([bad])
    for args in (["history"], ["history", "--json"]):
        ran = run_cli(*args, timeout=60)
        assert ran.returncode == 0, ran.stderr
        assert "NaN" not in ran.stdout and "Infinity" not in ran.stdout


def test_a_history_from_the_epoch_to_the_far_future_is_summed_quickly() -> None:
    """Sessions in 1970 and 9998 are both possible dates: the summary covers only its weeks."""
    write_history([line(start=0.0), line(start=253_300_000_000.0)])
    ran = run_cli("history", "--weeks", "1000000000000", timeout=30)
    assert ran.returncode == 0, ran.stderr


def test_a_huge_history_is_read_from_its_end(tmp_path: Path) -> None:
    """Only the last part of a history larger than its cap is read: memory and time stay bounded,
    and the most recent sessions are the ones shown."""
    path = history.history_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    filler = (line(exercise="old", title="Old") + "\n").encode()
    with path.open("wb") as f:
        for _ in range((history.TAIL_BYTES * 2) // len(filler) // 1000 + 1):
            f.write(filler * 1000)
        f.write((line(title="Newest") + "\n").encode())
    ran = run_cli("history", "-n", "1", timeout=60)
    assert ran.returncode == 0, ran.stderr
    assert "Newest" in ran.stdout


@pytest.mark.parametrize("count", ["0", "-1", "-100"])
def test_history_wants_at_least_one_session(count: str) -> None:
    write_history([line()])
    ran = run_cli("history", "-n", count, timeout=30)
    assert ran.returncode == 2
    assert "--count" in ran.stderr


def test_history_wants_at_least_one_week() -> None:
    ran = run_cli("history", "--weeks", "0", timeout=30)
    assert ran.returncode == 2


def unusable(kind: str) -> None:
    """Make the history unusable in one of the ways a hostile or unlucky setup does."""
    path = history.history_path()
    if kind == "folder":
        (path / "inside").mkdir(parents=True)
    elif kind == "fifo":
        path.parent.mkdir(parents=True, exist_ok=True)
        os.mkfifo(path)
    elif kind == "data folder is a file":
        path.parent.parent.mkdir(parents=True, exist_ok=True)
        path.parent.write_text("not a folder\n")
    else:
        raise AssertionError(kind)


KINDS = ["folder", "fifo", "data folder is a file"]


@pytest.mark.parametrize("kind", KINDS)
def test_history_says_in_one_line_why_it_cannot_read(kind: str) -> None:
    unusable(kind)
    ran = run_cli("history", timeout=30)
    assert ran.returncode == 1
    assert ran.stderr.startswith("voiceguide: cannot read the history")
    assert len(ran.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("kind", KINDS)
def test_play_ends_cleanly_and_says_once_that_it_was_not_recorded(kind: str, sentinel: Path) -> None:
    """play crashed after the session (exit 1, no summary) when it could not append."""
    unusable(kind)
    # spoken at its real timings (by a speaker that prints): a session, which is recorded, not a preview
    proc = subprocess.run([sys.executable, "-m", "tests.speak_as_text", "play", "tests/data/short.yaml", "--no-listen"],
                          input="next\nnext\nnext\n", capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
    ran = proc
    assert "session completed" in ran.stderr
    warnings = [text for text in ran.stderr.splitlines() if "history" in text]
    assert len(warnings) == 1 and warnings[0].startswith("voiceguide: cannot write the history"), ran.stderr


@pytest.mark.parametrize("kind", KINDS)
def test_the_menu_goes_on_without_its_memory(kind: str) -> None:
    unusable(kind)
    ran = run_cli("menu", "--text", "--time-scale", "1000", input="Presence\nnext\n" + "next\n" * 3 + "stop\nstop\n",
                  timeout=120)
    assert ran.returncode == 0, ran.stderr
    assert "Goodbye for now" in ran.stdout
    warnings = [text for text in ran.stderr.splitlines() if "history" in text]
    assert 1 <= len(warnings) <= 2, ran.stderr  # one for reading it, one for writing it


def test_a_history_that_cannot_be_read_for_permissions() -> None:
    if os.geteuid() == 0:
        pytest.skip("root reads every file")
    path = write_history([line()])
    path.chmod(0)
    ran = run_cli("history", timeout=30)
    assert ran.returncode == 1
    assert "permission denied" in ran.stderr
