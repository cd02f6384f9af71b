"""Hostile exercise files, config files and output targets against the real CLI.

Each class of attack has at least one case; every case runs `voiceguide` in a child process
under a timeout (`run_cli`), from inside the `sentinel` folder, which must come out unchanged.
"""

from __future__ import annotations

import json
import os
import struct
import time
from pathlib import Path

import pytest

from tests.hostile.conftest import run_cli

HEAD = "id: {id}\ntitle: T\nsummary: S\n"
GOOD = "id: {id}\ntitle: Good one\nsummary: A fine exercise.\nminutes: 1\nsteps:\n  - say: Hello there.\n  - pause: 5s\n"

# One file each that made a parser or validator raise, or recurse, in the user's folder.
BROKEN = {
    "huge-int": HEAD + "steps:\n  - pause: " + "7" * 4400 + "\n",
    "huge-timer": HEAD + "steps:\n  - timer: 1" + "0" * 400 + "\n",
    "huge-minutes": HEAD + "minutes: 1" + "0" * 400 + "\nsteps:\n  - wait: next\n",
    "deep-list": HEAD + "steps: " + "[" * 5000 + "]" * 5000 + "\n",
    "deep-map": HEAD + "steps: " + "{a: " * 3000 + "1" + "}" * 3000 + "\n",
}
ESC = "\x1b]0;owned\x07\x1b[2J"  # retitle the window, clear the screen
YAML_ESC = "\\e]0;owned\\a\\e[2J"  # the same, written with YAML's escapes inside double quotes
UNSAFE = ("\x1b", "\x07", "\x9b", "\u202e")


def user_folder() -> Path:
    folder = Path(os.environ["XDG_DATA_HOME"]) / "voiceguide" / "exercises"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def assert_no_raw_controls(*texts: str) -> None:
    for text in texts:
        for ch in UNSAFE:
            assert ch not in text, f"{ch!r} reached the terminal raw in {text[:400]!r}"


@pytest.mark.parametrize("kind", sorted(BROKEN))
def test_one_broken_user_file_breaks_nothing_else(kind, sentinel):
    folder = user_folder()
    bad = folder / f"{kind}.yaml"
    bad.write_text(BROKEN[kind].replace("{id}", kind))
    (folder / "neighbour.yaml").write_text(GOOD.replace("{id}", "neighbour"))

    listed = run_cli("list", cwd=sentinel)
    assert listed.returncode == 0
    assert "presence" in listed.stdout and "neighbour" in listed.stdout
    [note] = [line for line in listed.stderr.splitlines() if "left out" in line]
    assert f"{kind}.yaml" in note

    as_json = run_cli("list", "--json", cwd=sentinel)
    assert as_json.returncode == 0 and {r["id"] for r in json.loads(as_json.stdout)} >= {"presence", "neighbour"}

    shown = run_cli("show", "presence", cwd=sentinel)
    assert shown.returncode == 0 and "total about" in shown.stdout

    played = run_cli("play", "neighbour", "--text", "--time-scale", "1000", input="next\n", cwd=sentinel)
    assert played.returncode == 0 and "Hello there." in played.stdout

    menu = run_cli("menu", "--text", "--time-scale", "1000", input="stop\n", cwd=sentinel)
    assert menu.returncode == 0

    # the neighbour's check scans the folder for unused audio, reading the broken file too
    checked = run_cli("check", str(folder / "neighbour.yaml"), cwd=sentinel)
    assert checked.returncode == 0, checked.stderr

    own = run_cli("check", str(bad), cwd=sentinel)
    assert own.returncode == 2
    [problem] = [line for line in own.stderr.splitlines() if line.startswith(str(bad))]
    assert problem.startswith(f"{bad}:") and "Error" not in problem

    named = run_cli("play", kind, "--text", cwd=sentinel)
    assert named.returncode == 2 and str(bad) in named.stderr and "no exercise called" not in named.stderr


def fifo(path: Path) -> Path:
    os.mkfifo(path)
    return path


def test_config_that_is_a_device_or_pipe_is_refused_at_once(tmp_path, sentinel):
    for config in ("/dev/zero", str(fifo(tmp_path / "config.toml")), str(tmp_path)):
        ran = run_cli("list", env={"VOICEGUIDE_CONFIG": config}, timeout=20, cwd=sentinel)
        assert ran.returncode == 2
        assert ran.stderr.startswith(f"voiceguide: {config}: is ") and "not a config file" in ran.stderr


def test_a_huge_config_file_is_refused_not_read(tmp_path, sentinel):
    config = tmp_path / "config.toml"
    with config.open("wb") as f:
        f.write(b'partner-a = "Sam"\n' + b"#" * (20 * 1024 * 1024) + b"\n")
    ran = run_cli("config", env={"VOICEGUIDE_CONFIG": str(config)}, timeout=20, cwd=sentinel)
    assert ran.returncode == 2 and "too large for a config file" in ran.stderr


def test_pipes_named_like_scripts_never_hang(tmp_path, sentinel):
    folder = tmp_path / "drafts"
    folder.mkdir()
    (folder / "good.yaml").write_text(GOOD.replace("{id}", "good"))
    pipe = fifo(folder / "pipe.yaml")
    sound = fifo(folder / "sound.wav")  # the unused-audio scan looks at it too

    checked = run_cli("check", str(folder), timeout=20, cwd=sentinel)
    assert checked.returncode == 2
    assert f"{pipe}: is a pipe (FIFO), not an exercise file" in checked.stderr.splitlines()
    assert f"{sound}: warning: no exercise" in checked.stderr

    played = run_cli("play", str(pipe), "--text", timeout=20, cwd=sentinel)
    assert played.returncode == 2 and "is a pipe (FIFO)" in played.stderr

    listed = run_cli("list", "--dir", str(folder), timeout=20, cwd=sentinel)
    assert listed.returncode == 0 and "good" in listed.stdout


def test_output_targets_that_are_pipes_or_devices_are_refused(tmp_path, sentinel):
    pipe = fifo(tmp_path / "out.wav")
    for args in (("render", "presence", "-o", str(pipe)),
                 ("play", "presence", "--text", "--time-scale", "1000", "--trace", str(pipe)),
                 ("play", "presence", "--text", "--time-scale", "1000", "--trace", "/dev/full"),
                 ("schema", "-o", str(pipe)),
                 ("say", "Hello.", "-o", str(pipe))):
        ran = run_cli(*args, timeout=20, input="next\n" * 20, cwd=sentinel)
        assert ran.returncode == 2, args
        assert "is a pipe (FIFO)" in ran.stderr or "is a device" in ran.stderr, (args, ran.stderr)


def wav_header(frames_claimed: int, rate: int = 22050) -> bytes:
    """A 16-bit mono WAV header that claims `frames_claimed` frames, followed by only 100."""
    data = b"\x00\x00" * 100
    fmt = struct.pack("<HHIIHH", 1, 1, rate, rate * 2, 2, 16)
    claimed = frames_claimed * 2
    return (b"RIFF" + struct.pack("<I", min(36 + claimed, 2**32 - 1)) + b"WAVE" + b"fmt " + struct.pack("<I", 16) + fmt
            + b"data" + struct.pack("<I", claimed) + data)


@pytest.mark.parametrize("claimed, rate", [(2**31 - 100, 22050), (1000, 1)])
def test_text_mode_does_not_wait_for_what_a_lying_wav_header_claims(tmp_path, sentinel, claimed, rate):
    (tmp_path / "clip.wav").write_bytes(wav_header(claimed, rate))
    script = tmp_path / "clip.yaml"
    script.write_text(HEAD.replace("{id}", "clip") + "steps:\n  - audio: clip.wav\n  - say: After the clip.\n")
    started = time.monotonic()
    # ten times faster, so that the guide's own first-session lines take a second or two; the clip
    # as its header claims would still take 100 s (1000 frames at 1 Hz) or 2.7 hours
    ran = run_cli("play", str(script), "--text", "--time-scale", "10", timeout=30, cwd=sentinel)
    assert ran.returncode == 0 and "After the clip." in ran.stdout
    assert time.monotonic() - started < 20


def test_a_clip_that_is_a_pipe_is_not_found_and_never_opened(tmp_path, sentinel):
    fifo(tmp_path / "clip.wav")
    script = tmp_path / "clip.yaml"
    script.write_text(HEAD.replace("{id}", "clip") + "steps:\n  - audio: clip.wav\n")
    ran = run_cli("check", str(script), timeout=20, cwd=sentinel)
    assert ran.returncode == 2 and "'clip.wav' not found" in ran.stderr


def evil_exercise(folder: Path, ident: str = "evil") -> Path:
    path = folder / f"{ident}.yaml"
    path.write_text(
        f"id: {ident}\n"
        f"title: \"Evil{YAML_ESC}title\\u202e\"\n"
        f"summary: \"Summary \\x9b31m with a C1 escape\"\n"
        "steps:\n"
        f"  - say: \"Hello {{a}}{YAML_ESC} and {{b}}.\"\n"
        "  - pause: 5s\n"
        f"  - say: \"Goodbye\\e[5m.\"\n"
    )
    return path


def test_control_characters_never_reach_the_terminal(tmp_path, sentinel):
    evil_exercise(user_folder())
    evil_name = f"Sam{ESC}"
    runs = [
        run_cli("list", cwd=sentinel),
        run_cli("list", "--json", cwd=sentinel),
        run_cli("show", "evil", "--partner-a", evil_name, cwd=sentinel),
        run_cli("play", "evil", "--text", "--time-scale", "1000", "--partner-a", evil_name, input="next\n",
                cwd=sentinel),
        run_cli("menu", "--text", "--time-scale", "1000", input="stop\n", cwd=sentinel),
        run_cli("config", env={"VOICEGUIDE_PARTNER_A": evil_name}, cwd=sentinel),
    ]
    for ran in runs:
        assert ran.returncode == 0, ran.stderr
        assert_no_raw_controls(ran.stdout, ran.stderr)
    assert "\\x1b" in runs[2].stdout  # shown escaped, not dropped
    assert json.loads(runs[1].stdout)  # still valid JSON
    assert "Evil" in json.dumps(json.loads(runs[1].stdout))


def test_control_characters_in_messages_and_history_never_reach_the_terminal(tmp_path, sentinel):
    folder = tmp_path / "drafts"
    folder.mkdir()
    bad = folder / f"bad{ESC}.yaml"
    bad.write_text("id: bad\ntitle: T\n")
    checked = run_cli("check", str(bad), cwd=sentinel)
    assert checked.returncode == 2
    missing = run_cli("show", f"{folder}/gone{ESC}.yaml", cwd=sentinel)
    assert missing.returncode == 2
    data = Path(os.environ["XDG_DATA_HOME"]) / "voiceguide"
    data.mkdir(parents=True, exist_ok=True)
    entry = {"exercise": "evil", "title": f"Evil{ESC}\u202e\x9b", "start": time.time() - 60, "duration_s": 50.0,
             "outcome": "completed"}
    (data / "history.jsonl").write_text(json.dumps(entry, ensure_ascii=False) + "\n")
    shown = run_cli("history", cwd=sentinel)
    as_json = run_cli("history", "--json", cwd=sentinel)
    for ran in (checked, missing, shown, as_json):
        assert_no_raw_controls(ran.stdout, ran.stderr)
    assert json.loads(as_json.stdout.splitlines()[0])["title"] == entry["title"]


def test_an_audio_name_with_control_characters_is_refused(tmp_path, sentinel):
    script = tmp_path / "clip.yaml"
    script.write_text(HEAD.replace("{id}", "clip") + "steps:\n  - audio: \"clip\\e[2J.wav\"\n")
    ran = run_cli("check", str(script), cwd=sentinel)
    assert ran.returncode == 2 and "control or invisible characters" in ran.stderr
    assert_no_raw_controls(ran.stderr)


def test_problems_without_a_line_name_only_the_file(tmp_path, sentinel):
    missing = tmp_path / "missing.yaml"
    ran = run_cli("check", str(missing), cwd=sentinel)
    assert ran.returncode == 2
    assert f"{missing}: no such file" in ran.stderr.splitlines()
    assert ":0:" not in ran.stderr


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le"])
def test_utf16_files_are_named_as_utf16(tmp_path, sentinel, encoding):
    script = tmp_path / "wide.yaml"
    script.write_bytes(GOOD.replace("{id}", "wide").encode(encoding))
    ran = run_cli("check", str(script), cwd=sentinel)
    assert ran.returncode == 2
    assert f"{script}: is UTF-16 text; save it as UTF-8" in ran.stderr.splitlines()


def test_play_says_when_a_user_file_replaces_a_built_in(sentinel):
    mine = user_folder() / "mine.yaml"
    mine.write_text(GOOD.replace("{id}", "presence"))
    ran = run_cli("play", "presence", "--text", "--time-scale", "1000", cwd=sentinel)
    assert ran.returncode == 0 and "Hello there." in ran.stdout
    assert f"playing your {mine}, not the built-in 'presence'" in ran.stderr


def test_a_rendered_preview_in_the_exercise_folder_passes_check_strict(tmp_path, sentinel):
    folder = tmp_path / "mine"
    folder.mkdir()
    script = folder / "short.yaml"
    script.write_text("id: short\ntitle: Short\nsummary: A short one.\nsteps:\n  - say: Hello.\n  - pause: 2s\n")
    rendered = run_cli("render", str(script), "-o", str(folder / "preview.wav"), "--time-scale", "10", timeout=120,
                       cwd=sentinel)
    assert rendered.returncode == 0, rendered.stderr
    checked = run_cli("check", "--strict", str(script), cwd=sentinel)
    assert checked.returncode == 0, checked.stderr
    # an author's own stray clip is still reported
    (folder / "spare.wav").write_bytes(wav_header(100))
    checked = run_cli("check", "--strict", str(script), cwd=sentinel)
    assert checked.returncode == 1 and "spare.wav: warning: no exercise" in checked.stderr


@pytest.mark.parametrize("body, hint", [
    ("steps:\n\t- say: Hello\n", "indent with spaces"),
    ("steps:\n  - turns:\n      steps:\n        - say: {speaker}, you begin.\n", "must be in quotes"),
    ("steps:\n  - turns:\n      steps:\n        - say: {speaker}\n", "must be in quotes"),
    ("steps:\n  - say: Hello\n   wait: next\n", "check the indentation of line 6"),
    ("steps:\n  - say: Remember: slowly\n", "a text with ': ' in it must be in quotes"),
])
def test_common_yaml_slips_get_a_plain_hint(tmp_path, sentinel, body, hint):
    script = tmp_path / "slip.yaml"
    script.write_text(HEAD.replace("{id}", "slip") + body)
    ran = run_cli("check", str(script), cwd=sentinel)
    assert ran.returncode == 2 and hint in ran.stderr


def test_a_misspelt_key_is_one_error_with_did_you_mean(tmp_path, sentinel):
    script = tmp_path / "typo.yaml"
    script.write_text("id: typo\ntitle: T\nsumary: S\nsteps:\n  - sya: Hello\n")
    ran = run_cli("check", str(script), cwd=sentinel)
    errors = sorted(line for line in ran.stderr.splitlines() if line.startswith(str(script)))
    assert errors == [
        f"{script}:3: unknown key 'sumary' in the script; did you mean 'summary'? "
        "allowed here: id, title, summary, language, minutes, depth, steps",
        f"{script}:5: step 1 has sya but no step kind: did you mean 'say'?",
    ]


def test_a_misspelt_exercise_id_gets_did_you_mean_not_every_id(sentinel):
    ran = run_cli("show", "presnce", cwd=sentinel)
    assert ran.returncode == 2
    assert "did you mean 'presence'" in ran.stderr
    assert "start-small" not in ran.stderr


def test_a_utf16_config_file_is_named_as_utf16(tmp_path, sentinel):
    config = tmp_path / "config.toml"
    config.write_bytes('partner-a = "Sam"\n'.encode("utf-16"))
    ran = run_cli("config", env={"VOICEGUIDE_CONFIG": str(config)}, cwd=sentinel)
    assert ran.returncode == 2 and ran.stderr == f"voiceguide: {config}: is UTF-16 text; save it as UTF-8\n"
