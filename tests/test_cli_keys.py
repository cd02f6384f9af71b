"""Messages that must point somewhere that works: no sound card for `say`, a config made from
`config --example` on a machine without sound, no microphone."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.test_cli_sound import DATA, no_sound_env, voiceguide  # noqa: F401  (no_sound_env is a fixture)
from voiceguide.cli import cli


def test_say_with_no_sound_device_points_to_writing_a_file_not_to_text(no_sound_env: dict[str, str]) -> None:
    result = voiceguide("say", "hello", env=no_sound_env)
    assert result.returncode == 1
    assert "say -o FILE" in result.stderr and "--text" not in result.stderr
    assert "Traceback" not in result.stderr


def test_the_config_example_names_no_output_device() -> None:
    example = CliRunner().invoke(cli, ["config", "--example"]).stdout
    settings = tomllib.loads(example)
    assert "output-device" not in settings  # the system's own output, whatever it is called
    assert "voiceguide devices" in example  # still shown, as a comment


def test_the_config_example_as_config_on_a_machine_without_sound(no_sound_env: dict[str, str], tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(CliRunner().invoke(cli, ["config", "--example"]).stdout)
    env = {**no_sound_env, "VOICEGUIDE_CONFIG": str(config)}
    result = voiceguide("play", str(DATA / "short.yaml"), "--no-listen", env=env)
    assert result.returncode == 1
    [line] = result.stderr.strip().splitlines()
    assert "no sound output device found" in line and "--text" in line


def test_a_named_output_device_on_a_machine_without_sound_keeps_the_way_round(no_sound_env: dict[str, str],
                                                                             tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('output-device = "default"\n')
    env = {**no_sound_env, "VOICEGUIDE_CONFIG": str(config)}
    result = voiceguide("play", str(DATA / "short.yaml"), "--no-listen", env=env)
    assert result.returncode == 1
    [line] = result.stderr.strip().splitlines()
    assert "no sound output device found" in line and "--text" in line and "voiceguide devices" in line
    assert line.lower().count("no output device") + line.lower().count("matching") == 0  # says it once
    said = voiceguide("say", "hello", env=env)
    assert "say -o FILE" in said.stderr and "--text" not in said.stderr


# ---- no microphone ----------------------------------------------------------------------------

@pytest.mark.parametrize("command", ["listen", "mic-test"])
def test_no_microphone_is_said_in_our_words_and_points_to_devices(no_sound_env: dict[str, str], command: str) -> None:
    result = voiceguide(command, "--lang", "ko", env=no_sound_env)  # the Korean model is installed
    assert result.returncode == 1, result.stderr
    [line] = result.stderr.strip().splitlines()
    assert "no microphone found" in line and "voiceguide devices" in line
    assert "Error querying" not in line and "sounddevice" not in line


def test_no_microphone_in_a_session_points_to_devices(no_sound_env: dict[str, str]) -> None:
    result = voiceguide("play", str(DATA / "ko-short.yaml"), "--text", "--listen", "--time-scale", "100",
                        env=no_sound_env)
    assert result.returncode == 0, result.stderr
    assert "no microphone found; see 'voiceguide devices'" in result.stderr
    assert "Error querying" not in result.stderr and "sounddevice" not in result.stderr


@pytest.mark.parametrize("command", ["listen", "mic-test"])
def test_the_help_for_the_microphone_points_to_devices(command: str) -> None:
    text = " ".join(CliRunner().invoke(cli, [command, "--help"]).stdout.split())
    assert "voiceguide devices" in text and "sounddevice" not in text


# ---- list -------------------------------------------------------------------------------------


def test_list_puts_the_minutes_in_one_column(tmp_path: Path) -> None:
    import unicodedata

    (tmp_path / "mine.yaml").write_text("id: mine\ntitle: 긴 제목의 나만의 연습\nsummary: s\nlanguage: ko\n"
                                        "steps:\n  - say: 안녕하세요.\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["list", "--dir", str(tmp_path)])
    assert result.exit_code == 0, result.output

    def columns(text: str) -> int:
        return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)

    lines = [line for line in result.stdout.splitlines() if " min" in line]
    assert len(lines) >= 6 and any("긴 제목" in line for line in lines)
    ends = {columns(line[: line.index(" min") + 4]) for line in lines}
    assert len(ends) == 1, result.stdout  # "~9 min" and "~10 min" end in the same column
