"""The command line, through CliRunner and as a real process."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from click.testing import CliRunner

from voiceguide.cli import cli

BAD = Path(__file__).parent / "bad"


def test_top_level_help_lists_the_commands():
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    for name in ("play", "list", "check", "show"):
        assert name in result.output


def test_list_json():
    result = CliRunner().invoke(cli, ["list", "--json"])
    assert result.exit_code == 0
    rows = json.loads(result.stdout)
    ids = {r["id"] for r in rows}
    assert {"presence", "needs-sharing"} <= ids
    for r in rows:
        assert {"id", "title", "path", "minutes"} <= set(r)
        assert Path(r["path"]).is_file()
        assert 5 < r["minutes"] < 40


def test_show_prints_steps_with_timings():
    result = CliRunner().invoke(cli, ["show", "presence", "--partner-a", "Sam", "--partner-b", "Alex"])
    assert result.exit_code == 0, result.output
    assert "Sam, you have the floor" in result.stdout
    assert "timer 4m" in result.stdout
    assert "total about" in result.stdout


def test_check_passes_the_builtins():
    from voiceguide import library

    result = CliRunner().invoke(cli, ["check", str(library.builtin_dir())])
    assert result.exit_code == 0, result.output


def test_check_reports_every_bad_file_and_exits_2():
    files = sorted(BAD.glob("*.yaml"))
    result = CliRunner().invoke(cli, ["check", *map(str, files)])
    assert result.exit_code == 2
    lines = [l for l in result.stderr.splitlines() if "file(s) checked" not in l]
    assert len(lines) >= len(files)
    assert all(l.startswith(str(BAD)) and ":" in l for l in lines)
    assert "Traceback" not in result.output


def test_check_finds_duplicate_ids(tmp_path):
    for name in ("one.yaml", "two.yaml"):
        (tmp_path / name).write_text("id: same\ntitle: T\nsummary: S\nsteps:\n  - say: Hi.\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["check", str(tmp_path / "one.yaml"), str(tmp_path / "two.yaml")])
    assert result.exit_code == 2
    assert f"{tmp_path / 'two.yaml'}:1: duplicate id 'same'" in result.stderr


def test_check_an_empty_folder_is_an_error(tmp_path):
    result = CliRunner().invoke(cli, ["check", str(tmp_path)])
    assert result.exit_code == 2
    assert "no .yaml exercise files" in result.stderr


def test_play_an_unknown_exercise_is_one_clear_line():
    result = CliRunner().invoke(cli, ["play", "nonsense", "--text"])
    assert result.exit_code == 2
    assert result.stderr.startswith("voiceguide: no exercise called 'nonsense'")
    assert len(result.stderr.strip().splitlines()) == 1


def test_play_a_bad_file_prints_its_problems(tmp_path):
    result = CliRunner().invoke(cli, ["play", str(BAD / "bad-duration.yaml"), "--text"])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"{BAD / 'bad-duration.yaml'}:6: ")


def test_play_rejects_a_zero_time_scale():
    result = CliRunner().invoke(cli, ["play", "presence", "--text", "--time-scale", "0"])
    assert result.exit_code == 2
    assert "--time-scale" in result.output


def run_cli(args, stdin: str = "", timeout: float = 60, env=None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "voiceguide", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )


def test_presence_plays_to_the_end_in_text_mode_with_a_trace(tmp_path):
    trace = tmp_path / "t.jsonl"
    result = run_cli(
        ["play", "presence", "--text", "--time-scale", "100", "--trace", str(trace)], stdin="next\n" * 6
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    records = [json.loads(line) for line in trace.read_text().splitlines()]
    assert all("t" in r and "kind" in r for r in records)
    from voiceguide.lang import load_pack
    from voiceguide.library import find
    from voiceguide.plan import Names, build_plan, with_guide_lines

    lines = load_pack("en").lines  # a first session: the safety line, and how to end a turn early
    plan = with_guide_lines(build_plan(find("presence"), Names("A", "B")), safety=lines.safety, end_early=lines.end_early)
    steps = [r["index"] for r in records if r["kind"] == "step"]
    assert steps == list(range(len(plan)))
    assert records[-1]["kind"] == "end" and records[-1]["reason"] == "completed"
    commands = [r for r in records if r["kind"] == "command"]
    assert commands and all(c["name"] == "next" and c["source"] == "stdin" for c in commands)
    assert "Thank you both" in result.stdout


def test_end_of_stdin_at_a_wait_ends_cleanly():
    result = run_cli(["play", "presence", "--text", "--time-scale", "1000", "--no-listen"], stdin="")
    assert result.returncode == 0, result.stderr
    assert "We'll stop here" in result.stdout


def test_stop_twice_ends_the_session(tmp_path):
    trace = tmp_path / "t.jsonl"
    result = run_cli(["play", "needs-sharing", "--text", "--time-scale", "1000", "--trace", str(trace)],
                     stdin="stop\nstop\n")
    assert result.returncode == 0
    last = json.loads(trace.read_text().splitlines()[-1])
    assert last == {"t": last["t"], "kind": "end", "reason": "stopped"}


def test_ctrl_c_exits_130():
    proc = subprocess.Popen(
        [sys.executable, "-m", "voiceguide", "play", "presence", "--text"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    time.sleep(1.5)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=10)
    assert proc.returncode == 130, err
    assert "Traceback" not in err


def test_the_cli_starts_without_heavy_imports():
    """--help, list and check must stay instant and work without an audio stack."""
    probe = ("import sys, voiceguide.cli; heavy = {'sounddevice', 'vosk', 'numpy', 'pyttsx3', 'soundfile', 'scipy',"
             " 'pydantic'}; print(sorted(heavy & set(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
