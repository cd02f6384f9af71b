"""Enrollment: takes checked, templates learned and stored as features only, the veto on the
recogniser's commands and the model-less spotter, with a fake recogniser and synthetic words."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tests.enroll_words import RATE, ArraySource, quiet, word
from tests.fakes import FakeRecognizer, Utterance
from voiceguide.enroll import store
from voiceguide.enroll.features import MAX_FRAMES, N_FEATURES, distance, features
from voiceguide.enroll.opinion import TemplateSpotter, Veto
from voiceguide.enroll.takes import blocks_of, listen_for_take
from voiceguide.enroll.teach import Skip, Stop, enroll
from voiceguide.enroll.voices import Partner, Voices
from voiceguide.lang import load_pack
from voiceguide.listen.accept import Acceptor
from voiceguide.listen.build import make_listener
from voiceguide.listen.denoise import Denoiser
from voiceguide.listen.listener import Highpass, Listener

KO = load_pack("ko")
LOOKALIKES = ("음", "이제", "글쎄")


def filtered(samples):  # type: ignore[no-untyped-def]
    """Blocks as the listener's filters leave them (enrollment hears through the same ones)."""
    hp, dn = Highpass(RATE), Denoiser(RATE)
    return iter([dn(hp(samples[i:i + 1600].tobytes())) for i in range(0, len(samples), 1600)] + [None])


def recording(words: list[tuple[str, float, float]]):  # type: ignore[no-untyped-def]
    parts = [quiet(0.6)]
    for k, (text, seconds, shift) in enumerate(words):
        parts += [word(text, seconds=seconds, shift=shift, seed=k), quiet(0.8, seed=k)]
    return np.concatenate(parts)


def partner_words(shift: float, commands=None) -> list[tuple[str, float, float]]:  # type: ignore[no-untyped-def]
    """A partner's enrollment: each command three times, a little different each time, then the look-alikes."""
    said = []
    for phrases in (commands or KO.commands).values():
        for k, (s, f) in enumerate([(0.42, 1.0), (0.5, 1.02), (0.46, 0.98)]):
            said.append((phrases[0], s, f * shift))
    return said + [(w, 0.45, shift) for w in LOOKALIKES]


def enrolled(shifts=(1.0, 1.25), leave_out: str | None = None) -> Voices:  # type: ignore[no-untyped-def]
    """Partners enrolled from synthetic takes (every command, or all but `leave_out`)."""
    commands = {name: phrases for name, phrases in KO.commands.items() if name != leave_out}
    lines: list[str] = []
    partners = []
    for shift in shifts:
        blocks = filtered(recording(partner_words(shift, commands)))
        got = enroll(commands, "ko", [f"p{shift}"], lines.append, lambda: listen_for_take(blocks, RATE), RATE,
                     lookalikes=LOOKALIKES)
        assert got is not None
        partners += got
    return Voices(partners)


# ---- takes ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("samples, problem", [
    (np.concatenate([quiet(0.5), word("다음"), quiet(1.0)]), ""),
    (np.concatenate([quiet(0.5), word("다음", level=0.01), quiet(1.0)]), "too-quiet"),
    (np.concatenate([quiet(0.5), word("다음", seconds=2.4), quiet(1.0)]), "too-long"),
    (np.concatenate([word("다음"), quiet(1.0)]), "cut-off"),  # already under way when listening began
    (np.concatenate([quiet(0.5), word("다음")]), "cut-off"),  # the recording ends inside the word
    (quiet(7.0), "nothing"),
])
def test_a_take_is_checked(samples, problem) -> None:  # type: ignore[no-untyped-def]
    take = listen_for_take(blocks_of(samples)(), RATE)
    assert take.problem == problem


def test_a_bad_take_is_named_and_asked_again() -> None:
    takes = iter([
        listen_for_take(blocks_of(np.concatenate([quiet(0.5), word("다음", level=0.01), quiet(1)]))(), RATE),
        *[listen_for_take(blocks_of(np.concatenate([quiet(0.5), word("다음", seconds=s), quiet(1)]))(), RATE)
          for s in (0.4, 0.45, 0.5)],
    ])
    said: list[str] = []
    got = enroll({"next": ("다음",)}, "en", ["Sam"], said.append, lambda: next(takes), RATE, lookalikes=())
    assert got is not None and len(got[0].takes["next"]) == 3
    assert "That was too quiet. Once more, please: 다음." in said
    assert said[-1] == "Done. I know your voices now."


def test_keys_skip_a_word_and_stop_keeps_nothing() -> None:
    good = lambda: listen_for_take(blocks_of(np.concatenate([quiet(0.5), word("멈춰"), quiet(1)]))(), RATE)  # noqa: E731
    calls = iter(["skip", "take", "take", "take"])

    def hear():  # type: ignore[no-untyped-def]
        if next(calls) == "skip":
            raise Skip()
        return good()

    said: list[str] = []
    got = enroll({"next": ("다음",), "pause": ("멈춰",)}, "en", ["Sam"], said.append, hear, RATE, lookalikes=())
    assert got is not None and set(got[0].takes) == {"pause"}
    assert "Let's leave 다음 out." in said

    def stop():  # type: ignore[no-untyped-def]
        raise Stop()

    said.clear()
    assert enroll(KO.commands, "ko", ["A", "B"], said.append, stop, RATE) is None
    assert said[-1].startswith("여기서 멈출게요")


# ---- features, templates, storage ---------------------------------------------------------------

def test_the_same_word_is_nearer_than_another() -> None:
    a = features(word("다음", seconds=0.42), RATE)
    b = features(word("다음", seconds=0.55, shift=1.03), RATE)
    c = features(word("이전", seconds=0.45), RATE)
    assert a.shape[1] == N_FEATURES
    assert distance(b, a) < distance(c, a) / 2
    assert distance(features(word("다음", seconds=0.3), RATE), features(word("다음", seconds=0.9), RATE)) == math.inf


def test_thresholds_sit_between_own_takes_and_lookalikes() -> None:
    voices = enrolled(shifts=(1.0,))
    p = voices.partners[0]
    assert set(p.takes) == set(KO.commands)
    for name, takes in p.takes.items():
        own = max(min(distance(t, o) for j, o in enumerate(takes) if j != i) for i, t in enumerate(takes))
        assert own <= p.thresholds[name]
        for neg in p.negatives:
            assert min(distance(neg, t) for t in takes) > p.thresholds[name] or own == p.thresholds[name]


def test_storage_holds_features_only_and_reads_back(private_dirs) -> None:  # type: ignore[no-untyped-def]
    voices = enrolled()
    path = store.save("ko", voices.partners)
    assert path.parent == store.folder() and path.name == "ko.npz"
    with np.load(path, allow_pickle=False) as z:
        for key in z.files:
            a = z[key]
            if key == "meta":
                assert a.dtype == np.uint8
                continue
            # features: float32, exactly N_FEATURES columns, a few dozen rows; never samples
            assert a.dtype == np.float32 and a.ndim == 2 and a.shape[1] == N_FEATURES
            assert 0 < a.shape[0] <= MAX_FRAMES
    assert path.stat().st_size < 200_000
    back = store.load("ko")
    assert [p.name for p in back] == [p.name for p in voices.partners]
    assert back[0].thresholds == pytest.approx(voices.partners[0].thresholds)
    assert np.array_equal(back[1].takes["next"][2], voices.partners[1].takes["next"][2])
    assert store.forget() == [path] and store.load("ko") == []


@pytest.mark.parametrize("content", [b"", b"PK\x03\x04 not a zip", b"\x93NUMPY garbage"])
def test_a_damaged_file_is_an_error_naming_forget(private_dirs, content: bytes) -> None:  # type: ignore[no-untyped-def]
    store.folder().mkdir(parents=True)
    (store.folder() / "ko.npz").write_bytes(content)
    with pytest.raises(store.DamagedVoices, match="enroll --forget"):
        store.load("ko")


def test_a_foreign_array_is_refused(private_dirs) -> None:  # type: ignore[no-untyped-def]
    """Audio saved under a template's name (a 1-D array of samples) is not taken as a template."""
    voices = enrolled(shifts=(1.0,))
    path = store.save("ko", voices.partners)
    with np.load(path) as z:
        arrays = {k: z[k] for k in z.files}
    arrays["p0_next_0"] = word("다음")
    np.savez(path, **arrays)
    with pytest.raises(store.DamagedVoices):
        store.load("ko")


def test_language_codes_stay_in_the_folder(private_dirs) -> None:  # type: ignore[no-untyped-def]
    from voiceguide.errors import BadInput

    for bad in ("../ko", "ko/../../x", "", "KO", "k o"):
        with pytest.raises(BadInput):
            store.path_for(bad)


# ---- the veto, with a fake recogniser -------------------------------------------------------------

def listen(samples, utterances, *, voices=None, veto="on"):  # type: ignore[no-untyped-def]
    decisions = []
    rec = FakeRecognizer(utterances)
    listener = make_listener(KO, ArraySource(samples), decisions.append, model=None if veto == "spot" else "unused",  # type: ignore[arg-type]
                             voices=voices, veto=None if veto == "spot" else veto)
    if veto != "spot":
        listener.make_recognizer = lambda rate: rec
    listener.start()
    assert listener.wait(30)
    assert listener.error is None, listener.error
    return decisions


def stream(items: list[tuple[str, float, float]], gap: float = 1.5):  # type: ignore[no-untyped-def]
    """Words with quiet between; returns (samples, [(text, start, end)])."""
    parts, spans, t = [quiet(1.0)], [], 1.0
    for k, (text, seconds, shift) in enumerate(items):
        w = word(text, seconds=seconds, shift=shift, seed=50 + k)
        parts += [w, quiet(gap, seed=50 + k)]
        spans.append((text, t, t + seconds))
        t += seconds + gap
    return np.concatenate(parts), spans


def test_the_veto_keeps_an_enrolled_partners_command_and_turns_away_a_lookalike() -> None:
    voices = enrolled()
    # the recogniser takes all three for 다음 (next); the audio is 다음, then 음 and 이제
    samples, spans = stream([("다음", 0.47, 1.01), ("음", 0.45, 1.0), ("이제", 0.45, 1.25), ("다음", 0.44, 1.24)])
    heard = [Utterance(s, e, "다음") for _, s, e in spans]
    without = listen(samples, heard, voices=voices, veto="off")
    assert [d.accepted for d in without] == [True, True, True, True]
    assert {d.opinion for d in without} == {"recogniser"}
    decisions = listen(samples, heard, voices=voices, veto="on")
    assert [(d.accepted, d.opinion) for d in decisions] == [
        (True, "recogniser+voices"), (False, "voices"), (False, "voices"), (True, "recogniser+voices")]
    assert "the enrolled voices do not say next" in decisions[1].reason


def test_without_templates_for_a_phrase_the_recogniser_decides() -> None:
    """잠깐 (pause) was never enrolled: no opinion, the recogniser's stands."""
    voices = enrolled(shifts=(1.0,), leave_out="pause")
    samples, spans = stream([("이제", 0.45, 1.0)])
    decisions = listen(samples, [Utterance(spans[0][1], spans[0][2], "잠깐")], voices=voices)
    assert [(d.accepted, d.name, d.opinion) for d in decisions] == [(True, "pause", "recogniser")]


def test_the_veto_is_off_unless_asked_for() -> None:
    from voiceguide.enroll.opinion import VETO_DEFAULT
    from voiceguide.enroll.use import veto_wanted

    assert veto_wanted(None) is VETO_DEFAULT
    assert veto_wanted("on") and not veto_wanted("off")


# ---- the model-less spotter ---------------------------------------------------------------------

def test_with_no_model_the_templates_spot_commands_under_the_same_rules() -> None:
    voices = enrolled()
    samples, spans = stream([("다음", 0.47, 1.01), ("음", 0.45, 1.0), ("그만", 0.5, 1.24), ("이제", 0.45, 1.0),
                             ("멈춰", 0.46, 0.99)])
    decisions = listen(samples, [], voices=voices, veto="spot")
    accepted = [(d.name, d.opinion) for d in decisions if d.accepted]
    assert accepted == [("next", "voices"), ("stop", "voices"), ("pause", "voices")]
    for d in decisions:
        if d.accepted:
            text, start, end = next(s for s in spans if s[1] - 0.3 <= d.t <= s[2] + 1.0)
            assert d.t - end < 0.8  # decided once the quiet after the word is clear


def test_the_spotter_computes_nothing_for_long_talk_and_rejects_a_word_run_into_it() -> None:
    voices = enrolled(shifts=(1.0,))
    talk = np.concatenate([word("도움말", seconds=1.2, shift=s, seed=k) for k, s in enumerate((0.8, 1.1, 0.9))])
    samples = np.concatenate([quiet(1.0), talk, word("다음", seconds=0.47), quiet(2.0)])  # no quiet before 다음
    spotter = TemplateSpotter(voices, KO.commands, RATE)
    decisions: list = []  # type: ignore[type-arg]
    listener = Listener(ArraySource(samples), lambda rate: spotter, Acceptor(KO.commands), decisions.append)
    listener.start()
    assert listener.wait(30)
    assert not [d for d in decisions if d.accepted]
    assert spotter.computed == 0  # 4 s of sound: talk, never a candidate, no features


def test_a_veto_reviews_only_accepted_commands() -> None:
    """Features are computed for candidates only: a rejected decision is handed on untouched."""
    from voiceguide.enroll.opinion import Recent
    from voiceguide.listen.accept import Decision

    voices = enrolled(shifts=(1.0,))
    rejected = Decision(False, "next", "다음", "no quiet after it", 3.0, 2.0, 2.5, 0.9)
    assert Veto(voices, KO.commands).review(rejected, Recent(RATE)) is rejected


def test_partner_learn_with_one_take_only() -> None:
    p = Partner("x", "now", takes={"next": [features(word("다음"), RATE)]},
                negatives=[features(word("음"), RATE)])
    p.learn()
    assert 0 < p.thresholds["next"] < distance(features(word("음"), RATE), p.takes["next"][0])


# ---- in a session -------------------------------------------------------------------------------

@pytest.mark.parametrize("setting", ["on", None])
def test_a_session_with_enrolled_voices_names_the_opinion_on_the_bus_and_in_verbose(
        private_dirs, monkeypatch: pytest.MonkeyPatch, setting) -> None:  # type: ignore[no-untyped-def]
    from voiceguide.events import Command
    from voiceguide.runner import Bus, RealClock
    from voiceguide.session import SessionParts, attach_listener
    from voiceguide.settings import Settings

    store.save("ko", enrolled().partners)
    samples, spans = stream([("다음", 0.47, 1.01), ("음", 0.45, 1.0)])
    rec = FakeRecognizer([Utterance(s, e, "다음") for _, s, e in spans])  # both heard as 다음
    monkeypatch.setattr("voiceguide.listen.build.recognizer_factory", lambda pack, path: (lambda rate: rec))
    bus = Bus(RealClock())
    parts = SessionParts(None, KO, (), None, bus, None)  # type: ignore[arg-type]
    said: list[str] = []
    listener = attach_listener(parts, Settings(model=__file__, enrolled_veto=setting), source=ArraySource(samples),
                               warn=said.append, verbose=True)
    assert listener is not None and listener.wait(30)
    events = []
    while not bus.queue.empty():
        event = bus.queue.get()
        if isinstance(event, Command):  # (the talk after a command is posted too, for a held one)
            events.append(event)
    if setting == "on":
        assert events == [Command("next", source="voice", text="다음", opinion="recogniser+voices")]
        assert "heard '다음', taken as next (opinion: recogniser+voices)" in said
        assert any(line.startswith("heard '다음', not taken: the enrolled voices do not say next")
                   and line.endswith("(opinion: voices)") for line in said)
    else:  # off by default: the recogniser alone, as before enrollment
        assert events == [Command("next", source="voice", text="다음")] * 2
    parts.closers[-1]()


def test_a_packed_templates_file_is_refused_before_it_unpacks(private_dirs) -> None:  # type: ignore[no-untyped-def]
    """A file within the size limit whose array would unpack to 400 MB: refused with little memory."""
    import tracemalloc

    from tests.hostile.test_enroll_hostile import _bomb

    store.folder().mkdir(parents=True)
    (store.folder() / "ko.npz").write_bytes(_bomb())
    tracemalloc.start()
    try:
        with pytest.raises(store.DamagedVoices):
            store.load("ko")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 50 * 1024 * 1024


def test_a_command_at_the_very_end_of_a_recording_gets_the_second_opinion_too() -> None:
    voices = enrolled(shifts=(1.0,))
    samples = np.concatenate([quiet(1.0), word("음", seed=3), quiet(0.1)])  # the recording ends before the quiet does
    decisions = listen(samples, [Utterance(1.0, 1.45, "다음")], voices=voices, veto="on")
    assert [(d.accepted, d.opinion) for d in decisions] == [(False, "voices")]


def test_enrolled_veto_is_on_or_off(monkeypatch: pytest.MonkeyPatch) -> None:
    from voiceguide.errors import BadInput
    from voiceguide.settings import build_settings

    monkeypatch.setenv("VOICEGUIDE_ENROLLED_VETO", "on")
    assert build_settings().enrolled_veto == "on"
    monkeypatch.setenv("VOICEGUIDE_ENROLLED_VETO", "maybe")
    with pytest.raises(BadInput, match="enrolled-veto must be on or off"):
        build_settings()
