"""The menu's words: exercise titles and numbers are heard in the menu, and only there (real Korean model)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tests.listen_real import KO, corpus, korean_model
from voiceguide.lang import load_pack
from voiceguide.menu import CHOOSE, Menu, MenuItem


def listen_with_vocabulary(audio, tmp: Path, vocabulary) -> list:  # type: ignore[no-untyped-def]
    """Feed audio through the real listener after switching its vocabulary, as the menu does."""
    from voiceguide.listen.build import make_listener
    from voiceguide.listen.source import WavSource

    wav = tmp / "stream.wav"
    corpus.write_wav(wav, audio)
    decisions: list = []
    listener = make_listener(KO, WavSource(wav, realtime=False), decisions.append, model=korean_model())
    if vocabulary is not None:
        listener.set_vocabulary(*vocabulary)
    listener.start()
    assert listener.wait(120)
    assert listener.error is None, listener.error
    return [d for d in decisions if d.accepted]


def spoken(*texts: str):  # type: ignore[no-untyped-def]
    parts = [corpus.silence(1.0)]
    for text in texts:
        parts += [corpus.synth(text, "ko", 150).audio, corpus.silence(1.2)]
    return np.concatenate(parts)


def menu() -> Menu:
    pack = load_pack("ko")
    return Menu([MenuItem("ko-presence", "함께 있기", 12), MenuItem("other", "Zzqx Unknownword", 10)], pack.menu)


def test_menu_words_are_heard_in_the_menu_and_only_there(tmp_path):
    korean_model()
    m = menu()  # one of its titles has words the model lacks: it is left out, without an error
    vocabulary = ({**KO.commands, "more": list(KO.menu.more)}, KO.distractors, m.vocabulary())
    in_menu = listen_with_vocabulary(spoken("더"), tmp_path, vocabulary)
    assert [d.name for d in in_menu] == ["more"]
    in_session = listen_with_vocabulary(spoken("더"), tmp_path, None)
    assert [d.name for d in in_session if d.name == "more"] == []


def test_titles_are_not_words_during_a_session(tmp_path):
    korean_model()
    heard = listen_with_vocabulary(spoken("함께 있기", "하나"), tmp_path, None)
    assert [d.name for d in heard if d.name and d.name.startswith(CHOOSE)] == []


def test_a_heard_title_chooses_the_exercise():
    from voiceguide.events import Command, Speak

    m = menu()
    m.start(0)
    out = m.handle(Command(CHOOSE + "ko-presence", source="voice"), 0)
    assert [a.text for a in out if isinstance(a, Speak)][0].startswith("함께 있기")
    assert m.confirming is not None and m.confirming.id == "ko-presence"


def test_the_menu_vocabulary_names_each_exercise_by_title_and_number():
    assert menu().vocabulary() == {CHOOSE + "ko-presence": ["함께 있기", "하나"], CHOOSE + "other": ["zzqx unknownword", "둘"]}


def test_next_is_heard_while_a_choice_is_confirmed(tmp_path):
    """While the menu confirms a choice it asks for the commands alone (voiceguide/menu.py): no
    number or title is there to be heard in place of the "next" that begins the exercise."""
    from voiceguide.events import Command

    korean_model()
    m = menu()
    m.start(0)
    m.handle(Command(CHOOSE + "ko-presence", source="voice"), 0)
    expect = m.expected()
    assert expect.words == {} and expect.choices == {}
    said = [corpus.silence(1.0)]
    for voice, speed in [("ko", 130), ("ko+f1", 160), ("ko+f3", 190), ("ko+m7", 130)]:
        said += [corpus.synth("다음", voice, speed).audio, corpus.silence(1.5)]
    heard = listen_with_vocabulary(np.concatenate(said), tmp_path,
                                   ({**KO.commands, **expect.words}, KO.distractors, expect.choices))
    assert [d.name for d in heard] == ["next"] * 4
