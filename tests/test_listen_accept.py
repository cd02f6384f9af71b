"""The acceptance rules, run through the real listener thread with a fake recogniser and source."""

from __future__ import annotations

import re

import pytest

from tests.fakes import FakeGate, FakeRecognizer, FakeSource, Utterance
from voiceguide.events import Announce, Command, Talk
from voiceguide.lang import load_pack
from voiceguide.listen.accept import AcceptConfig, Acceptor, Decision
from voiceguide.listen.listener import Listener
from voiceguide.runner import Bus, RealClock

KO = load_pack("ko")
EN = load_pack("en")


def run(utterances: list[Utterance], duration: float | None = None, *, pack=KO, gate: FakeGate | None = None,
        noise_db: float = -100.0, config: AcceptConfig = AcceptConfig(),
        switch: tuple[float, dict[str, tuple[str, ...]]] | None = None) -> tuple[list[Decision], FakeRecognizer]:
    """`switch`: (t, commands), a new vocabulary asked for once the audio reaches t seconds."""
    duration = duration or max(u.end for u in utterances) + 2.0
    rec = FakeRecognizer(utterances)
    decisions: list[Decision] = []
    asked: list[float] = []

    def on_level(t: float, level: float) -> None:
        if gate is not None:
            gate.now = t
        if switch is not None and t >= switch[0] and not asked:
            asked.append(t)
            listener.set_vocabulary(switch[1], pack.distractors)

    listener = Listener(FakeSource(utterances, duration, noise_db=noise_db), lambda rate: rec,
                        Acceptor(pack.commands, config, gate), decisions.append, highpass=False, denoise=False,
                        on_level=on_level)
    listener.start()
    assert listener.wait(10)
    assert listener.error is None
    return decisions, rec


def accepted(decisions: list[Decision]) -> list[str]:
    return [d.name for d in decisions if d.accepted]  # type: ignore[misc]


@pytest.mark.parametrize("phrase,name", [(p, n) for n, ps in KO.commands.items() for p in ps])
def test_each_korean_phrase_alone_is_its_command(phrase: str, name: str) -> None:
    decisions, _ = run([Utterance(1.0, 1.5, phrase)])
    assert accepted(decisions) == [name]


def test_english_phrases_with_the_fake() -> None:
    decisions, _ = run([Utterance(1.0, 1.4, "continue"), Utterance(3.0, 3.4, "again"), Utterance(5.0, 5.3, "next")],
                       pack=EN)
    assert accepted(decisions) == ["resume", "repeat", "next"]


def test_decision_carries_text_times_and_confidence() -> None:
    decisions, _ = run([Utterance(1.0, 1.5, "다음", conf=0.93)])
    (d,) = decisions
    assert (d.accepted, d.name, d.text, d.conf) == (True, "next", "다음", 0.93)
    assert d.start == pytest.approx(1.0) and d.end == pytest.approx(1.5)


def test_acts_soon_after_the_word_not_at_the_recognisers_endpoint() -> None:
    decisions, rec = run([Utterance(1.0, 1.5, "다음")])
    (d,) = decisions
    # quiet of end_quiet_s (0.25 s) measured in 50 ms blocks, well before Vosk's own endpoint (1 s)
    assert 1.5 + 0.25 - 1e-6 <= d.t <= 1.5 + 0.35
    assert rec.finals[0].text == "다음"


@pytest.mark.parametrize("phrase", KO.commands["pause"] + KO.commands["stop"])
def test_pause_and_stop_over_the_guide_act_after_a_shorter_quiet(phrase: str) -> None:
    # they must silence the guide within 300 ms of the word: 0.1 s of quiet once the partial is theirs
    gate = FakeGate([(0.2, 4.0, "서로의 얼굴이 보이게 편하게 앉아 주세요.")])
    decisions, _ = run([Utterance(1.0, 1.5, phrase)], gate=gate)
    (d,) = decisions
    assert d.accepted
    assert 1.5 + 0.1 - 1e-6 <= d.t <= 1.5 + 0.2


def test_with_the_guide_silent_pause_waits_the_usual_quiet() -> None:
    # nothing to silence: the usual quiet, which keeps "잠깐 [short gap] 쉬었다가 …" from counting
    decisions, _ = run([Utterance(1.0, 1.5, "잠깐")])
    (d,) = decisions
    assert d.accepted and 1.5 + 0.25 - 1e-6 <= d.t <= 1.5 + 0.35


@pytest.mark.parametrize("words", ["다음 주에 같이 가자", "그냥 계속 그렇게", "오늘은 그만하자 제발", "다시 한번 생각해"])
def test_command_words_inside_longer_speech_never_count(words: str) -> None:
    decisions, _ = run([Utterance(1.0, 3.0, words)])
    assert accepted(decisions) == []
    assert [d.reason for d in decisions] == ["inside longer speech"]


def test_a_command_run_into_talk_without_a_pause_does_not_count() -> None:
    # 0.1 s gap: one utterance to the level, so the recogniser's final holds all of it
    decisions, _ = run([Utterance(1.0, 2.5, "오늘 정말"), Utterance(2.6, 3.0, "그만하자")])
    assert accepted(decisions) == []


def test_low_confidence_is_rejected() -> None:
    decisions, _ = run([Utterance(1.0, 1.5, "다음", conf=0.5)])
    assert accepted(decisions) == []
    assert decisions[0].reason.startswith("low confidence 0.50")


def test_sound_the_recogniser_did_not_turn_into_words_still_needs_quiet_before() -> None:
    # a cough (no words) 0.1 s before the command: the command does not stand alone
    decisions, _ = run([Utterance(1.0, 1.5, ""), Utterance(1.6, 2.0, "다음")])
    assert accepted(decisions) == []


def test_too_long_for_a_command() -> None:
    decisions, _ = run([Utterance(1.0, 3.5, "계속")])
    assert accepted(decisions) == []
    assert "too long" in decisions[0].reason


def test_commands_in_steady_background_noise() -> None:
    decisions, _ = run([Utterance(1.0, 1.5, "다음", level=-25.0), Utterance(3.0, 3.4, "잠깐", level=-25.0)],
                       noise_db=-40.0)
    assert accepted(decisions) == ["next", "pause"]


def test_two_commands_in_a_row_each_count() -> None:
    decisions, _ = run([Utterance(1.0, 1.4, "다음"), Utterance(2.2, 2.6, "다음")])
    assert accepted(decisions) == ["next", "next"]


# ---- the guide's own voice --------------------------------------------------------------------


def test_gated_while_the_guide_speaks_and_for_a_tail_after() -> None:
    gate = FakeGate([(0.5, 3.0, "오늘 하루 이야기를 들려주세요.")])
    decisions, _ = run([Utterance(1.0, 1.5, "다음", level=-30), Utterance(3.2, 3.6, "다음")], gate=gate)
    assert accepted(decisions) == []
    assert {d.reason for d in decisions} == {"the guide is speaking"}


def test_heard_after_the_tail() -> None:
    gate = FakeGate([(0.5, 3.0, "오늘 하루 이야기를 들려주세요.")])
    decisions, _ = run([Utterance(3.8, 4.2, "다음")], gate=gate)
    assert accepted(decisions) == ["next"]


def guide_then(utterance: Utterance, text: str = "서로의 얼굴이 보이게 편하게 앉아 주세요.") -> tuple[list[Decision], FakeGate]:
    # the guide's voice reaches the mic at -30 dBFS from 0.5 s to 6 s; the command comes in a gap
    gate = FakeGate([(0.5, 6.0, text)])
    guide = [Utterance(0.5 + k * 0.8, 0.5 + k * 0.8 + 0.6, "", level=-30.0) for k in range(7)]
    decisions, _ = run([*guide, utterance], 8.0, gate=gate)
    return decisions, gate


def test_barge_in_stop_when_clearly_louder_than_the_guide() -> None:
    decisions, _ = guide_then(Utterance(6.2, 6.6, "그만하자", level=-15.0))
    assert accepted(decisions) == ["stop"]


def test_barge_in_pause() -> None:
    decisions, _ = guide_then(Utterance(6.2, 6.6, "잠깐", level=-15.0))
    assert accepted(decisions) == ["pause"]


def test_no_barge_in_at_the_guides_own_level() -> None:
    decisions, _ = guide_then(Utterance(6.2, 6.6, "그만하자", level=-30.0))
    assert accepted(decisions) == []
    assert decisions[0].reason == "not clearly louder than the guide"


def test_no_barge_in_for_a_word_the_guide_is_saying() -> None:
    decisions, _ = guide_then(Utterance(6.2, 6.6, "그만하자", level=-10.0),
                              text="끝내려면 그만하자라고 한 번 더 말해 주세요.")
    assert accepted(decisions) == []
    assert decisions[0].reason == "the guide's own words contain it"


def test_barge_in_when_the_mic_does_not_hear_the_guide() -> None:
    # headphones or a mic far from the speaker: the guide sounds but nothing of it reaches the mic;
    # the command's own sound must not be taken for the guide's level
    gate = FakeGate([(0.5, 8.0, "서로의 얼굴이 보이게 편하게 앉아 주세요.")])
    decisions, _ = run([Utterance(3.0, 3.5, "잠깐", level=-20.0)], 9.0, gate=gate)
    assert accepted(decisions) == ["pause"]


def test_no_barge_in_right_as_the_guide_starts() -> None:
    # too early to tell whether the mic hears the guide: this could be its own first syllables
    gate = FakeGate([(2.9, 8.0, "서로의 얼굴이 보이게 편하게 앉아 주세요.")])
    decisions, _ = run([Utterance(3.0, 3.5, "잠깐", level=-20.0)], 9.0, gate=gate)
    assert accepted(decisions) == []
    assert decisions[0].reason == "the guide has only just started"


def test_the_commands_own_sound_is_not_the_guides_level() -> None:
    # the guide at -30 dBFS at the mic, and a barge-in at -15 while it is still sounding
    gate = FakeGate([(0.5, 8.0, "서로의 얼굴이 보이게 편하게 앉아 주세요.")])
    guide = [Utterance(0.5 + k * 0.8, 0.5 + k * 0.8 + 0.6, "", level=-30.0) for k in range(5)]
    decisions, _ = run([*guide, Utterance(4.6, 5.0, "잠깐", level=-15.0)], 9.0, gate=gate)
    assert accepted(decisions) == ["pause"]


def test_only_pause_and_stop_barge_in() -> None:
    decisions, _ = guide_then(Utterance(6.2, 6.6, "다음", level=-10.0))
    assert accepted(decisions) == []
    assert decisions[0].reason == "the guide is speaking"


def over_the_echo(utterance: Utterance, text: str = "서로의 얼굴이 보이게 편하게 앉아 주세요.") -> list[Decision]:
    """The speaker heard by the mic: the guide's voice at -30 dBFS with no gap long enough to be
    quiet, heard as words (except where the utterance drowns it out)."""
    gate = FakeGate([(0.5, 9.0, text)])
    echo = [Utterance(0.5 + k * 0.5, 0.5 + k * 0.5 + 0.45, "" if abs(0.5 + k * 0.5 - utterance.start) < 0.6
                      else "그래 좋아", level=-30.0) for k in range(17)]
    decisions, _ = run([*echo, utterance], 10.0, gate=gate)
    return decisions


@pytest.mark.parametrize("phrase,name", [("잠깐", "pause"), ("그만하자", "stop")])
def test_barge_in_over_the_guides_echo(phrase: str, name: str) -> None:
    # quiet before and after the word is judged against the guide's level while it sounds, and the
    # words placed in the guide's sound are not part of the utterance
    assert accepted(over_the_echo(Utterance(4.6, 5.0, phrase, level=-12.0))) == [name]


def test_no_barge_in_at_the_echos_own_level() -> None:
    decisions = over_the_echo(Utterance(4.6, 5.0, "잠깐", level=-30.0))
    assert decisions and accepted(decisions) == []  # heard among the guide's words: part of its sound


def test_over_the_echo_only_pause_and_stop() -> None:
    decisions = over_the_echo(Utterance(4.6, 5.0, "다음", level=-12.0))
    assert accepted(decisions) == []
    assert decisions[0].reason == "the guide is speaking"


# ---- a new vocabulary (the menu's moments, the session's states) ----------------------------------


def test_a_vocabulary_change_in_mid_word_drops_that_word_and_hears_the_next() -> None:
    decisions, rec = run([Utterance(1.0, 1.5, "다음"), Utterance(3.0, 3.5, "다음")],
                         switch=(1.2, dict(KO.commands)))
    assert accepted(decisions) == ["next"]
    assert decisions[-1].start == pytest.approx(3.0)
    assert rec.vocabularies == [tuple(KO.phrases())]
    assert 1.2 <= rec.vocabulary_times[0] <= 1.3  # applied between two blocks, at once


def test_a_vocabulary_change_takes_commands_out_and_puts_them_back() -> None:
    without = {name: said for name, said in KO.commands.items() if name != "resume"}
    decisions, rec = run([Utterance(1.0, 1.4, "계속"), Utterance(3.0, 3.4, "다음")], switch=(0.5, without))
    assert accepted(decisions) == ["next"]
    assert "계속" not in rec.vocabularies[0] and "다음" in rec.vocabularies[0]
    decisions, _ = run([Utterance(1.0, 1.4, "계속")], switch=(0.5, dict(KO.commands)))
    assert accepted(decisions) == ["resume"]


# ---- onto the bus -----------------------------------------------------------------------------


def test_session_gets_voice_commands_on_the_bus_and_keys_go_on(monkeypatch: pytest.MonkeyPatch) -> None:
    from voiceguide.session import SessionParts, attach_listener
    from voiceguide.settings import Settings

    bus = Bus(RealClock())
    parts = SessionParts(None, KO, (), None, bus, None)  # type: ignore[arg-type]
    script = [Utterance(0.5, 0.9, "다음"), Utterance(2.0, 2.4, "그래 다음 주에")]
    rec = FakeRecognizer(script)
    monkeypatch.setattr("voiceguide.listen.build.recognizer_factory", lambda pack, path: (lambda rate: rec))
    listener = attach_listener(parts, Settings(model=__file__), source=FakeSource(script, 3.5))
    assert listener
    event = bus.queue.get(timeout=30)
    assert event == Command("next", source="voice", text="다음")
    assert event.quiet_s == pytest.approx(0.25, abs=0.06)  # taken after a quarter second of quiet
    assert listener.wait(10)  # the whole recording heard
    parts.closers[-1]()  # the listener stops with the session
    # the sentence after it is no command; that talk began after the command is (it lets a held one go)
    assert [bus.queue.get_nowait() for _ in range(bus.queue.qsize())] == [Talk()]


def test_verbose_says_what_was_heard_and_not_taken(monkeypatch: pytest.MonkeyPatch) -> None:
    from voiceguide.session import SessionParts, attach_listener
    from voiceguide.settings import Settings

    parts = SessionParts(None, KO, (), None, Bus(RealClock()), None)  # type: ignore[arg-type]
    script = [Utterance(0.5, 0.9, "다음", conf=0.5)]
    rec = FakeRecognizer(script)
    monkeypatch.setattr("voiceguide.listen.build.recognizer_factory", lambda pack, path: (lambda rate: rec))
    said: list[str] = []
    listener = attach_listener(parts, Settings(model=__file__), source=FakeSource(script, 2.0),
                               warn=said.append, verbose=True)
    assert listener and listener.wait(10)
    parts.closers[-1]()
    assert len(said) == 2, said
    assert re.fullmatch(r"heard '다음' at \d+\.\d\d s of listening, lowest confidence 0\.50", said[0])
    assert said[1] == "heard '다음', not taken: low confidence 0.50 < 0.80"
    assert parts.bus.queue.empty()


def test_no_model_is_one_clean_message_and_keys_carry_on(tmp_path, monkeypatch) -> None:
    from voiceguide.session import SessionParts, attach_listener
    from voiceguide.settings import Settings

    monkeypatch.setattr("voiceguide.models.data_dir", lambda: tmp_path / "none")
    monkeypatch.setattr("voiceguide.models._package_model", lambda lang: None)
    said: list[str] = []
    parts = SessionParts(None, EN, (), None, Bus(RealClock()), None)  # type: ignore[arg-type]
    assert not attach_listener(parts, Settings(), source=FakeSource([], 1.0), warn=said.append)
    assert len(said) == 1
    assert said[0].startswith(EN.lines.no_model) and "voiceguide model download en" in said[0]
    assert parts.bus.queue.get_nowait() == Announce(EN.lines.no_model)  # spoken: the plain sentence alone
    assert parts.closers == []


def test_sound_right_after_the_words_means_they_do_not_stand_alone() -> None:
    decisions, _ = run([Utterance(1.0, 1.4, "다음"), Utterance(1.5, 2.2, "")])
    assert accepted(decisions) == []
    assert decisions[0].reason == "no quiet after it"


@pytest.mark.parametrize("quiet", [4.9, 5.0, 5.05, 7.0, 9.95, 12.0])
def test_a_command_after_long_quiet_is_not_cut_by_the_recognisers_own_endpoint(quiet: float) -> None:
    decisions, _ = run([Utterance(quiet, quiet + 0.5, "다음")])
    assert accepted(decisions) == ["next"]


def test_the_fake_recogniser_cuts_a_word_at_five_seconds_like_vosk() -> None:
    # without restarting the recogniser's utterance in quiet stretches, this command would be lost
    decisions, rec = run([Utterance(4.95, 5.45, "다음")], config=AcceptConfig(idle_reset_s=1e9))
    assert accepted(decisions) == []
