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


SWITCH_IN_MID_WORD = """
import json, sys
from pathlib import Path
import numpy as np
from tests.listen_real import KO, corpus
from voiceguide.listen.build import make_listener
from voiceguide.listen.source import WavSource

word = corpus.synth("다음", "ko", 150)
audio = corpus.add_noise(np.concatenate([corpus.silence(1.0), word.audio, corpus.silence(1.5), word.audio,
                                         corpus.silence(1.5)]), 20.0)
wav = Path(sys.argv[1]) / "stream.wav"
corpus.write_wav(wav, audio)
middle = 1.0 + (word.start + word.end) / 2
second = 1.0 + len(word.audio) / corpus.RATE + 1.5 + word.start
decisions, asked = [], []

def on_level(t, level):
    if t >= middle and not asked:  # a key pressed while "다음" is being said
        asked.append(t)
        listener.set_vocabulary(KO.commands, KO.distractors)

listener = make_listener(KO, WavSource(wav, realtime=False), decisions.append, model=Path(sys.argv[2]),
                         on_level=on_level)
listener.start()
assert listener.wait(120) and listener.error is None, listener.error
print(json.dumps({"accepted": [[d.name, d.start] for d in decisions if d.accepted], "second": second,
                  "asked": asked}))
"""


def test_a_new_vocabulary_in_mid_word_neither_crashes_nor_takes_the_cut_word(tmp_path):
    """Vosk aborts the whole process when it is given a grammar in the middle of an utterance (a
    fatal Kaldi error, not an exception): the recogniser ends the utterance first. Run in its own
    process, so that such an abort fails this test and not the whole run."""
    import json
    import subprocess
    import sys

    model = korean_model()
    out = subprocess.run([sys.executable, "-c", SWITCH_IN_MID_WORD, str(tmp_path), str(model)],
                         capture_output=True, text=True, timeout=300, cwd=Path(__file__).resolve().parent.parent)
    assert out.returncode == 0, out.stderr[-2000:]
    result = json.loads(out.stdout)
    assert result["asked"], "the vocabulary was never changed"
    assert [name for name, _ in result["accepted"]] == ["next"], result  # the second word only
    assert abs(result["accepted"][0][1] - result["second"]) < 0.3, result
