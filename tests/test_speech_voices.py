"""Voice names as people type them: what espeak-ng's own -v takes (language codes, language
names) is taken, and a typo gets suggestions that look like it."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from voiceguide.cli import cli
from voiceguide.errors import BadInput
from voiceguide.speech import VoiceInfo, resolve_voice, voice_table

# A few voices as espeak-ng 1.51 lists them (priority 2 is what a language is first spoken with).
VOICES = (
    VoiceInfo("gmw/en", "English (Great Britain)", (("en-gb", 2), ("en", 2))),
    VoiceInfo("gmw/en-gb-x-rp", "English (Received Pronunciation)", (("en-gb-x-rp", 5), ("en-gb", 4), ("en", 5))),
    VoiceInfo("gmw/en-us", "English (America)", (("en-us", 2), ("en", 3))),
    VoiceInfo("ko", "Korean", (("ko", 5),)),
)


def test_language_codes_and_names_find_the_voice_that_speaks_them_first():
    table = voice_table(VOICES)
    assert table["en-gb"] == "gmw/en"  # not the RP voice, which ranks en-gb lower
    assert table["en"] == "gmw/en"
    assert table["english"] == "gmw/en"  # the language's plainest voice
    assert table["en-us"] == "gmw/en-us"
    assert table["korean"] == table["ko"] == "ko"
    assert table["english (america)"] == "gmw/en-us"


@pytest.mark.parametrize("name, voice", [
    ("en-gb", "gmw/en"), ("en-GB", "gmw/en"), ("english", "gmw/en"), ("English", "gmw/en"),
    ("en_gb", "gmw/en"), ("en-au", "gmw/en"), ("english+f3", "gmw/en+f3"), ("korean", "ko"), ("ko-kr", "ko"),
    ("en-us", "gmw/en-us"), ("English (America)", "gmw/en-us"), ("gmw/en-gb-x-rp", "gmw/en-gb-x-rp"),
])
def test_what_espeak_ng_takes_is_taken(name: str, voice: str):
    assert resolve_voice(name) == voice


@pytest.mark.parametrize("typo, first", [("englsh", "english"), ("en-uss", "en-us"), ("korea", "korean")])
def test_a_typo_is_refused_with_suggestions_like_it(typo: str, first: str):
    with pytest.raises(BadInput, match=rf"unknown voice '{typo}'; did you mean {first}\b"):
        resolve_voice(typo)


@pytest.mark.parametrize("voice", ["en-gb", "english"])
def test_say_speaks_with_a_language_code_or_name(voice: str, tmp_path: Path):
    out = tmp_path / "line.wav"
    result = CliRunner().invoke(cli, ["say", "Hello.", "--voice", voice, "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.stat().st_size > 1000
