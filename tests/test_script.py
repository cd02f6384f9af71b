"""The loader and checker: every built-in is valid, every bad script gets its exact message."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from voiceguide import library
from voiceguide.script.load import MAX_BYTES, ScriptError, check_file, load
from voiceguide.script.model import format_duration, parse_duration

BAD = Path(__file__).parent / "bad"
BUILTINS = sorted(library.builtin_dir().glob("*.yaml"))


def expectations(path: Path) -> list[str]:
    prefix = "# expect: "
    return [line[len(prefix):] for line in path.read_text("utf-8").splitlines() if line.startswith(prefix)]


@pytest.mark.parametrize("path", BUILTINS, ids=lambda p: p.stem)
def test_every_builtin_exercise_is_valid(path):
    exercise, problems = check_file(path)
    assert [str(p) for p in problems if not p.warning] == []
    assert exercise is not None
    assert exercise.script.id == path.stem  # ids and file names agree, so `play ID` finds the file


@pytest.mark.parametrize("path", sorted(BAD.glob("*.yaml")), ids=lambda p: p.stem)
def test_each_bad_script_gets_its_exact_message(path):
    expected = expectations(path)
    assert expected, f"{path.name} has no '# expect:' line"
    exercise, problems = check_file(path)
    assert exercise is None
    assert [f"{p.line}: {p.message}" for p in problems] == expected
    assert all(str(p).startswith(f"{path}:{p.line}: ") for p in problems)


def test_the_alias_bomb_is_refused_quickly():
    import time

    start = time.perf_counter()
    check_file(BAD / "alias-bomb.yaml")
    assert time.perf_counter() - start < 1.0


def problems_of(path: Path) -> list[str]:
    exercise, problems = check_file(path)
    assert exercise is None
    return [str(p) for p in problems]


def test_invalid_utf8(tmp_path):
    f = tmp_path / "latin1.yaml"
    f.write_bytes(b"id: x\ntitle: caf\xe9\n")
    assert problems_of(f) == [f"{f}:2: is not UTF-8 text (byte 0xe9); save it as UTF-8"]


def test_binary_junk(tmp_path):
    f = tmp_path / "junk.yaml"
    f.write_bytes(os.urandom(2000) + b"\x00" + os.urandom(100))
    [message] = problems_of(f)
    assert message.startswith(f"{f}:") and message.endswith(": is binary, not a text file")


def test_random_bytes_without_nul_never_raise(tmp_path):
    import random

    rng = random.Random(7)
    for i in range(200):
        f = tmp_path / f"r{i}.yaml"
        f.write_bytes(bytes(rng.randrange(1, 256) for _ in range(rng.randrange(1, 400))))
        exercise, problems = check_file(f)
        assert exercise is None and problems


def test_a_50_mb_file_is_refused_without_reading_it_all(tmp_path):
    f = tmp_path / "huge.yaml"
    with f.open("wb") as out:
        out.write(b"id: huge\n# " + b"x" * (50 * 1024 * 1024) + b"\n")
    assert problems_of(f) == [f"{f}: is too large for an exercise file (over {MAX_BYTES // 1024 // 1024} MiB)"]


def test_a_folder(tmp_path):
    assert problems_of(tmp_path) == [f"{tmp_path}: is a folder, not an exercise file"]


def test_a_missing_file(tmp_path):
    f = tmp_path / "nope.yaml"
    assert problems_of(f) == [f"{f}: no such file"]


def test_an_unreadable_file(tmp_path, monkeypatch):
    f = tmp_path / "secret.yaml"
    f.write_text("id: x\n")

    real_open = os.open

    def deny(path, *a, **kw):
        if Path(path) == f:
            raise PermissionError(13, "Permission denied")
        return real_open(path, *a, **kw)

    monkeypatch.setattr(os, "open", deny)
    assert problems_of(f) == [f"{f}: cannot be read (permission denied)"]


def test_a_symlink_loop(tmp_path):
    f = tmp_path / "loop.yaml"
    f.symlink_to(f)
    [message] = problems_of(f)
    assert message.startswith(f"{f}: cannot be read (")


def test_loading_never_runs_code(tmp_path):
    marker = tmp_path / "ran"
    f = tmp_path / "evil.yaml"
    f.write_text(f'id: !!python/object/apply:os.system ["touch {marker}"]\ntitle: t\n', encoding="utf-8")
    check_file(f)
    assert not marker.exists()


def test_audio_cannot_reach_outside_through_a_symlink(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.wav").write_bytes(b"RIFF")
    folder = tmp_path / "scripts"
    folder.mkdir()
    (folder / "link.wav").symlink_to(outside / "secret.wav")
    f = folder / "s.yaml"
    f.write_text("id: s\ntitle: T\nsummary: S\nsteps:\n  - audio: link.wav\n", encoding="utf-8")
    assert problems_of(f) == [
        f"{f}:5: step 1: audio file 'link.wav' not found next to the script or among the bundled clips"
    ]


def test_audio_next_to_the_script_is_found(tmp_path):
    (tmp_path / "bell.wav").write_bytes(b"RIFF")
    f = tmp_path / "s.yaml"
    f.write_text("id: s\ntitle: T\nsummary: S\nsteps:\n  - audio: bell.wav\n", encoding="utf-8")
    exercise = load(f)
    assert exercise.script.steps[0].audio == "bell.wav"


def test_load_raises_one_domain_error_with_every_problem():
    with pytest.raises(ScriptError) as info:
        load(BAD / "audio-escape.yaml")
    assert len(info.value.problems) == 2
    assert info.value.exit_code == 2


@pytest.mark.parametrize(
    "text,seconds",
    [("5s", 5), ("2m", 120), ("1m30s", 90), ("1h", 3600), (45, 45), (2.5, 2.5), ("0.5s", 0.5)],
)
def test_durations(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "5", "5 min", "m", "-3s", "0s", "5h", True, None, [1]])
def test_bad_durations(text):
    with pytest.raises(ValueError, match="bad duration"):
        parse_duration(text)


def test_format_duration_round_trips():
    for s in (5, 60, 90, 600, 725):
        assert parse_duration(format_duration(s)) == s


@pytest.mark.parametrize("encoding, name", [("utf-16", "UTF-16"), ("utf-16-le", "UTF-16"), ("utf-16-be", "UTF-16"),
                                            ("utf-32", "UTF-32")])
def test_wide_unicode_is_named_as_such(tmp_path, encoding, name):
    f = tmp_path / "wide.yaml"
    f.write_bytes("id: wide\ntitle: Café\nsummary: S\nsteps:\n  - say: Hello\n".encode(encoding))
    assert problems_of(f) == [f"{f}: is {name} text; save it as UTF-8"]


def test_a_fifo_named_like_a_script_is_refused_at_once(tmp_path):
    f = tmp_path / "pipe.yaml"
    os.mkfifo(f)
    assert problems_of(f) == [f"{f}: is a pipe (FIFO), not an exercise file"]


def test_a_problem_without_a_line_names_only_the_file():
    from voiceguide.script.load import Problem

    assert str(Problem("x.yaml", 0, "no such file")) == "x.yaml: no such file"
    assert str(Problem("x.wav", 0, "unused", warning=True)) == "x.wav: warning: unused"
    assert str(Problem("x.yaml", 3, "bad")) == "x.yaml:3: bad"


def test_any_exception_inside_the_checks_stays_the_files_own_problem(tmp_path, monkeypatch):
    """The last line of defence: whatever a validator throws becomes FILE: message."""
    import voiceguide.script.load as load_module

    def explode(*a, **kw):
        raise KeyError("surprise")

    monkeypatch.setattr(load_module, "_check_data", explode)
    f = tmp_path / "x.yaml"
    f.write_text("id: x\n")
    assert problems_of(f) == [f"{f}: cannot be loaded (KeyError: 'surprise')"]
