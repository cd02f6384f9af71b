"""scripts/bench_listen.py's scoring: each spoken command matched once, in its window, by name."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))


def test_each_spoken_command_counts_once_and_the_rest_are_extra() -> None:
    from bench_listen import score
    from listen_corpus import Event

    from voiceguide.listen.accept import Decision

    events = [Event("guide", "서로를 바라봐 주세요", 0.0, 5.0),
              Event("command", "멈춰", 1.5, 2.0, "pause"),
              Event("command", "그만", 10.0, 10.4, "stop"),
              Event("command", "멈춰", 20.0, 20.5, "pause")]
    decisions = [Decision(True, "pause", "멈춰", "", 2.3),  # taken, 300 ms after the word
                 Decision(True, "pause", "멈춰", "", 2.6),  # the same word twice: one is extra
                 Decision(True, "next", "다음", "", 10.6),  # the wrong command: a miss, and extra
                 Decision(False, "stop", "그만", "low confidence 0.50 < 0.80", 10.7),
                 Decision(True, "pause", "멈춰", "", 23.0)]  # too late for the word at 20 s
    latencies, misses, extra = score("guide", events, decisions)
    assert [round(ms) for ms in latencies] == [300]
    assert len(misses) == 2 and "low confidence" in misses[0] and "그만" in misses[0]
    assert [line.split()[2] for line in extra] == ["pause", "next", "pause"]


def test_the_ceiling_counts_every_result_and_a_wrong_command_only_when_taken() -> None:
    from bench_listen import judge_commands
    from listen_corpus import Event

    from voiceguide.listen.accept import Decision

    events = [Event("command", "다음", 1.0, 1.4, "next"),
              Event("command", "이전", 10.0, 10.4, "back"),
              Event("command", "그만", 20.0, 20.4, "stop"),
              Event("talk", "이제 그만 좀 해", 30.0, 31.0)]
    decisions = [Decision(False, "next", "다음", "low confidence 0.50 < 0.80", 1.7),  # right, not taken
                 Decision(True, "next", "다음", "", 10.7),  # back taken as next
                 Decision(False, "stop", "그만", "no quiet after it", 20.6),
                 Decision(True, "stop", "그만", "", 31.2)]  # talk: a false accept, not a wrong command
    right, wrong, lines = judge_commands(events, decisions)
    assert (right, wrong) == (2, 1)
    assert lines == ["10.0s said 이전 (back), taken as next '다음'"]


def test_the_replies_are_many_distinct_and_none_is_a_command() -> None:
    from listen_corpus import REPLIES

    from voiceguide.lang import load_pack

    for lang, replies in REPLIES.items():
        assert len(set(replies)) == len(replies) >= 60, lang
        pack = load_pack(lang)
        assert not [r for r in replies if pack.command_for(r)], lang
