"""Each warning of `voiceguide check`, on small scripts written for it."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from voiceguide.cli import cli
from voiceguide.script.lint import lint, unused_audio
from voiceguide.script.load import load

HEAD = """\
id: tiny
title: Tiny
summary: A script for one rule.
"""


def script(tmp_path: Path, steps: str, *, head: str = HEAD, name: str = "tiny.yaml") -> Path:
    path = tmp_path / name
    path.write_text(head + "steps:\n" + textwrap.indent(textwrap.dedent(steps), "  "), encoding="utf-8")
    return path


def warnings(path: Path) -> list[str]:
    return [str(p) for p in lint(load(path))]


# --- command words -------------------------------------------------------------------------------


def test_command_word_in_a_spoken_line(tmp_path: Path) -> None:
    path = script(tmp_path, """\
        - say: Breathe in.
        - say: Think of the Previous evening, and breathe.
    """)
    assert warnings(path) == [
        f"{path}:6: warning: step 2: the spoken line contains 'Previous', a command word (back); "
        "the guide could hear itself and act on it, so say it another way"
    ]


def test_command_words_are_whole_words_only(tmp_path: Path) -> None:
    path = script(tmp_path, """\
        - say: It helps to pause. Previously the instructional sessions ended; the nextdoor neighbours agree.
    """)
    assert warnings(path) == []


def test_every_command_word_in_one_line(tmp_path: Path) -> None:
    path = script(tmp_path, """\
        - say: next pause session resume continue repeat again previous end session instructions
    """)
    found = warnings(path)
    assert len(found) == 9
    assert [w.split("'")[1] for w in found] == ["next", "pause session", "resume", "continue", "repeat", "again",
                                                "previous", "end session", "instructions"]


def test_command_word_in_a_timer_end_and_inside_turns(tmp_path: Path) -> None:
    path = script(tmp_path, """\
        - turns:
            steps:
              - say: "{speaker}, it is your turn."
              - timer: 1m
                end: Time to end session one.
    """)
    (found,) = warnings(path)
    assert found.startswith(f"{path}:9: warning: step 2 of the turns in step 1: the spoken line contains 'end session'")


def test_command_words_come_from_the_script_language(tmp_path: Path) -> None:
    head = HEAD + "language: ko\n"
    path = script(tmp_path, """\
        - say: 그럼 다음 이야기를 해 볼까요. Next is not a Korean command.
    """, head=head)
    (found,) = warnings(path)
    assert "'다음', a command word (next)" in found


def test_unknown_language_pack(tmp_path: Path) -> None:
    path = script(tmp_path, """\
        - say: Bonjour.
    """, head=HEAD + "language: fr\n")
    (found,) = warnings(path)
    assert found.startswith(f"{path}:4: warning: no language pack for 'fr'")


# --- long lines ----------------------------------------------------------------------------------


def test_line_too_long(tmp_path: Path) -> None:
    line = " ".join(["Breathe in slowly."] * 16)  # 48 words in short sentences
    path = script(tmp_path, f"- say: {line}\n")
    (found,) = warnings(path)
    assert found == (f"{path}:5: warning: step 1: the line has 48 words (more than 45); "
                     "split it into shorter steps or sentences so it can be followed by ear")


def test_sentence_too_long(tmp_path: Path) -> None:
    sentence = "and then " + " ".join(["slowly"] * 29) + "."  # 31 words
    path = script(tmp_path, f"- say: Hello. {sentence} Bye.\n")
    (found,) = warnings(path)
    assert "the sentence starting 'and then slowly slowly slowly slowly' has 31 words (more than 30)" in found


def test_lines_at_the_limits_are_fine(tmp_path: Path) -> None:
    thirty = " ".join(["word"] * 29) + " end."
    fifteen = " ".join(["word"] * 14) + " end."
    path = script(tmp_path, f"- say: {thirty} {fifteen}\n")  # 45 words, longest sentence 30
    assert warnings(path) == []


# --- timers --------------------------------------------------------------------------------------


def test_long_timer_without_a_cue(tmp_path: Path) -> None:
    path = script(tmp_path, """\
        - say: Talk together.
        - timer: 2m
        - say: Talk a little more.
        - timer: 1m59s
    """)
    (found,) = warnings(path)
    assert found == (f"{path}:6: warning: step 2: a turn of 2m has no soft cue before its end; "
                     "add one, for example 'warn: 30s'")


def test_warn_not_shorter_than_the_timer(tmp_path: Path) -> None:
    path = script(tmp_path, """\
        - say: Talk together.
        - timer: 30s
          warn: 30s
    """)
    (found,) = warnings(path)
    assert found.startswith(f"{path}:7: warning: step 2: 'warn: 30s' is not shorter than the timer (30s)")


# --- unequal turns -------------------------------------------------------------------------------


def test_unequal_turns_outside_a_turns_block(tmp_path: Path) -> None:
    path = script(tmp_path, """\
        - say: "{a}, you begin. {b}, just listen."
        - timer: 1m30s
        - say: "{b}, your turn now. {a}, listen."
        - timer: 1m
    """)
    (found,) = warnings(path)
    assert found == (
        f"{path}:6: warning: unequal turns: outside 'turns' blocks {{a}} has 1m30s of timed floor and {{b}} "
        "has 1m; put the turns in a 'turns' block or give both the same time"
    )


def test_equal_turns_outside_a_turns_block(tmp_path: Path) -> None:
    path = script(tmp_path, """\
        - say: "{a}, you begin. {b}, just listen."
        - timer: 1m
        - pause: 5s
        - say: "{b}, your turn now."
        - timer: 1m
        - pause: 5s
        - say: "{a} and {b}, talk together."
        - timer: 1m
    """)
    assert warnings(path) == []


def test_one_sided_pause_counts_too(tmp_path: Path) -> None:
    path = script(tmp_path, """\
        - say: "{b}, think of a question for {a}."
        - pause: 30s
    """)
    (found,) = warnings(path)
    assert "{b} has 30s of timed floor and {a} has 0s" in found


def test_fixed_partner_inside_turns(tmp_path: Path) -> None:
    path = script(tmp_path, """\
        - turns:
            steps:
              - say: "{a}, you have the floor."
              - timer: 1m
              - say: "{a} and {b}, thank each other."
    """)
    (found,) = warnings(path)
    assert found == (
        f"{path}:7: warning: step 1 of the turns in step 1: inside a 'turns' block {{a}} is the same person "
        "in both turns; use {speaker} or {listener} so each partner gets the same part"
    )


# --- duration ------------------------------------------------------------------------------------


def test_estimate_far_from_minutes(tmp_path: Path) -> None:
    path = script(tmp_path, """\
        - say: Talk together.
        - timer: 5m
          warn: 30s
    """, head=HEAD + "minutes: 8\n")
    (found,) = warnings(path)
    assert found.startswith(f"{path}:4: warning: the estimated length is about 5m")
    assert "away from 'minutes: 8' (more than 10%)" in found


@pytest.mark.parametrize("minutes", [4.6, 6.0])
def test_estimate_more_than_ten_percent_from_minutes(tmp_path: Path, minutes: float) -> None:
    """About 5m17s declared as 4.6 or 6 minutes: 13 % and 12 % off, which a couple notices."""
    path = script(tmp_path, """\
        - say: Talk together.
        - timer: 5m
          warn: 30s
    """, head=HEAD + f"minutes: {minutes}\n")
    (found,) = warnings(path)
    assert "(more than 10%)" in found


@pytest.mark.parametrize("minutes", [4.9, 5.7, None])
def test_estimate_close_to_minutes_or_no_minutes(tmp_path: Path, minutes: float | None) -> None:
    head = HEAD + (f"minutes: {minutes}\n" if minutes else "")
    path = script(tmp_path, """\
        - say: Talk together.
        - timer: 5m
          warn: 30s
    """, head=head)
    assert warnings(path) == []


# --- thanked twice -------------------------------------------------------------------------------


def test_a_last_line_that_thanks_the_couple(tmp_path: Path) -> None:
    path = script(tmp_path, """\
        - say: Talk together.
        - timer: 1m
        - say: Thank you both, that was lovely.
        - pause: 5s
    """)
    (found,) = warnings(path)
    assert found.startswith(f"{path}:7: warning: step 3: the last line thanks the couple")


def test_thanks_earlier_or_in_korean(tmp_path: Path) -> None:
    fine = script(tmp_path, """\
        - say: Thank you for coming.
        - timer: 1m
        - say: To finish, thank each other for one thing.
        - timer: 30s
    """)
    assert warnings(fine) == []
    korean = script(tmp_path, """\
        - say: 이야기해 볼까요?
        - timer: 1m
        - say: 두 분, 오늘 고마웠어요.
    """, head=HEAD + "language: ko\n", name="ko.yaml")
    (found,) = warnings(korean)
    assert "the last line thanks the couple" in found


# --- unused audio --------------------------------------------------------------------------------


def _touch_wav(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"RIFF")


def test_unused_audio_in_the_folder(tmp_path: Path) -> None:
    for name in ("bell.wav", "spare.ogg", "clips/intro.flac", "clips/old.wav", ".hidden.wav", "notes.txt"):
        _touch_wav(tmp_path / name)
    script(tmp_path, """\
        - audio: bell.wav
        - say: Hello.
          audio: clips/intro.flac
    """)
    found = [str(p) for p in unused_audio(tmp_path)]
    assert found == [
        f"{tmp_path / 'clips/old.wav'}: warning: no exercise in {tmp_path} uses this audio file; "
        "refer to it with 'audio: clips/old.wav' or remove it",
        f"{tmp_path / 'spare.ogg'}: warning: no exercise in {tmp_path} uses this audio file; "
        "refer to it with 'audio: spare.ogg' or remove it",
    ]


def test_audio_used_by_a_sibling_script_or_named_in_a_broken_one(tmp_path: Path) -> None:
    for name in ("a.wav", "b.wav", "c.wav"):
        _touch_wav(tmp_path / name)
    script(tmp_path, "- audio: a.wav\n", name="one.yaml")
    script(tmp_path, "- audio: b.wav\n", head=HEAD.replace("tiny", "two"), name="two.yaml")
    (tmp_path / "broken.yaml").write_text("id: [\nsteps:\n  - audio: c.wav\n", encoding="utf-8")
    assert unused_audio(tmp_path) == []


# --- the check command ---------------------------------------------------------------------------


def test_check_exit_codes_and_format(tmp_path: Path) -> None:
    warned = script(tmp_path, "- say: Come to the previous step.\n")
    runner = CliRunner()
    result = runner.invoke(cli, ["check", str(warned)])
    assert result.exit_code == 0, result.output
    assert f"{warned}:5: warning: step 1: the spoken line contains 'previous'" in result.output
    assert "1 file(s) checked, 0 error(s), 1 warning(s)" in result.output

    assert runner.invoke(cli, ["check", "--strict", str(warned)]).exit_code == 1

    clean = script(tmp_path, "- say: Come home soon.\n", name="clean.yaml", head=HEAD.replace("tiny", "clean"))
    assert runner.invoke(cli, ["check", "--strict", str(clean)]).exit_code == 0

    broken = tmp_path / "broken.yaml"
    broken.write_text(HEAD + "steps:\n  - say: Come back soon.\n  - pause: soon\n", encoding="utf-8")
    result = runner.invoke(cli, ["check", "--strict", str(broken)])
    assert result.exit_code == 2
    assert f"{broken}:6: 'pause' in step 2 (pause): bad duration" in result.output


def test_check_reports_unused_audio_once_per_folder(tmp_path: Path) -> None:
    _touch_wav(tmp_path / "spare.wav")
    script(tmp_path, "- say: Hello.\n", name="one.yaml")
    script(tmp_path, "- say: Hello.\n", name="two.yaml", head=HEAD.replace("tiny", "two"))
    result = CliRunner().invoke(cli, ["check", "--strict", str(tmp_path)])
    assert result.exit_code == 1
    assert result.output.count("spare.wav: warning") == 1
