"""What the guide says while it learns the couple's voices, and the everyday look-alike words each
language offers as negative examples.

The look-alikes are the short replies a listener most often took for a command (measured on the
Korean model: 이제 for 이전, 글쎄 for 다시, 음 for 다음, 다음에 for 다음); for English, words a
sound or two away from the command words. They set how near a template must be to count."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class EnrollLines:
    intro: str
    partner: str  # {name}
    say_three: str  # {word}
    say_once: str  # {word}
    again: str  # {word}
    problems: dict[str, str]
    skipped: str  # {word}
    lookalikes_intro: str
    partner_done: str  # {name}
    done: str
    stopped: str


LINES = {
    "en": EnrollLines(
        intro="Let me learn your voices. Each of you says each command word three times, "
              "with a short pause between, and then a few everyday words once each.",
        partner="{name}, your turn.",
        say_three="Say {word}, three times.",
        say_once="Say {word}.",
        again="Once more, please: {word}.",
        problems={"too-quiet": "That was too quiet.", "too-long": "That was too long; just the word, please.",
                  "cut-off": "I heard only part of that.", "nothing": "I did not hear anything."},
        skipped="Let's leave {word} out.",
        lookalikes_intro="Now a few everyday words, once each.",
        partner_done="Thank you, {name}.",
        done="Done. I know your voices now.",
        stopped="Stopped. Nothing new was kept.",
    ),
    "ko": EnrollLines(
        intro="두 분의 목소리를 익혀 볼게요. 한 분씩 명령어를 세 번씩, 사이를 조금 두고 말해 주시고, "
              "그다음 일상적인 말 몇 개를 한 번씩 말해 주세요.",
        partner="{name} 차례예요.",
        say_three="{word}, 세 번 말해 주세요.",
        say_once="{word}, 한 번 말해 주세요.",
        again="한 번 더 말해 주세요. {word}.",
        problems={"too-quiet": "소리가 너무 작았어요.", "too-long": "너무 길었어요. 그 말만 해 주세요.",
                  "cut-off": "일부만 들렸어요.", "nothing": "아무 소리도 들리지 않았어요."},
        skipped="{word}, 이 말은 넘어갈게요.",
        lookalikes_intro="이제 일상적인 말 몇 개를 한 번씩 말해 주세요.",
        partner_done="고마워요, {name}.",
        done="다 됐어요. 이제 두 분의 목소리를 알아요.",
        stopped="여기서 멈출게요. 새로 배운 것은 저장하지 않았어요.",
    ),
}

LOOKALIKES = {
    "en": ("text", "now", "yeah", "well", "okay", "stay"),
    "ko": ("이제", "글쎄", "음", "다음에", "그래", "아니"),
}


def lines_for(code: str) -> EnrollLines:
    return LINES.get(code, LINES["en"])


def lookalikes_for(code: str) -> tuple[str, ...]:
    return LOOKALIKES.get(code, ())
