"""Warnings for scripts that load fine but would not work well by ear.

`voiceguide check` prints these as `FILE:LINE: warning: ...` (exit 0, or 1 with --strict). Each
rule is one function below; docs/authoring.md ("What check warns about") explains them to
authors, with the same numbers as the constants here.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path

from voiceguide.errors import BadInput
from voiceguide.lang import LanguagePack, load_pack
from voiceguide.script.assets import AUDIO_SUFFIXES, resolve_audio
from voiceguide.safeio import NotReadable, read_bytes
from voiceguide.script.load import MAX_BYTES, Exercise, Problem, check_file, iter_steps
from voiceguide.script.model import Clip, Pause, Say, Script, Timer, format_duration, rotation_sizes
from voiceguide.script.placeholders import placeholders
from voiceguide.script.previews import is_marked
from voiceguide.script.yamlread import Path as KeyPath
from voiceguide.timing import DEFAULT_RATE_WPM, exercise_seconds

MAX_LINE_WORDS = 45  # one spoken step; longer is hard to hold in mind by ear
MAX_SENTENCE_WORDS = 30  # one sentence
DURATION_TOLERANCE = 0.10  # estimate vs `minutes:`
LONG_TIMER_S = 120.0  # timers this long or longer want a `warn:` cue
TURN_TOLERANCE_S = 1.0  # floor time per partner outside `turns` may differ by this much
MAX_AUDIO_SCAN = 500  # files looked at when searching a script's folder for unused audio

_SENTENCE_END = re.compile(r"(?<=[.!?…。！？])\s+")


def lint(exercise: Exercise, *, rate_wpm: float = DEFAULT_RATE_WPM) -> list[Problem]:
    """Every warning for one valid exercise (the folder-wide unused-audio rule is separate)."""
    name = str(exercise.path)
    script = exercise.script
    problems: list[Problem] = []

    def warn(at: KeyPath, message: str) -> None:
        problems.append(Problem(name, exercise.line_of(at), message, warning=True))

    try:
        pack: LanguagePack | None = load_pack(script.language)
    except BadInput as exc:
        pack = None
        warn(("language",), f"{exc}; command words are not checked and the exercise cannot be played")

    for at, where, key, text in _spoken(script):
        if pack is not None:
            for word, command in _command_words(text, pack):
                warn(
                    at + (key,),
                    f"{where}: the spoken line contains {word!r}, a command word ({command}); "
                    "the guide could hear itself and act on it, so say it another way",
                )
        long = _too_long(text)
        if long:
            warn(at + (key,), f"{where}: {long}; split it into shorter steps or sentences so it can be followed by ear")

    for at, where, step, _inside in iter_steps(script):
        if isinstance(step, Timer):
            if step.warn is not None and step.warn >= step.timer:
                warn(at + ("warn",), f"{where}: 'warn: {format_duration(step.warn)}' is not shorter than the timer "
                                     f"({format_duration(step.timer)}), so the soft cue never sounds")
            elif step.warn is None and step.timer >= LONG_TIMER_S:
                warn(at + ("timer",), f"{where}: a turn of {format_duration(step.timer)} has no soft cue before its "
                                      "end; add one, for example 'warn: 30s'")

    problems.extend(_unequal_turns(exercise))
    if pack is not None and pack.thanks:
        problems.extend(_thanks_twice(exercise, pack))

    if script.minutes is not None:
        for rotation in range(_variants(script)):
            estimate = exercise_seconds(exercise, rate_wpm, pack, rotation=rotation) / 60.0
            off = abs(estimate - script.minutes) / script.minutes
            if off > DURATION_TOLERANCE:
                which = f" with set {rotation + 1} of its 'rotate' steps" if _variants(script) > 1 else ""
                warn(
                    ("minutes",),
                    f"the estimated length{which} is about {format_duration(estimate * 60)}, {off:.0%} away from "
                    f"'minutes: {script.minutes:g}' (more than {DURATION_TOLERANCE:.0%}); change the timers or 'minutes'",
                )
    return problems


def _thanks_twice(exercise: Exercise, pack: LanguagePack) -> list[Problem]:
    """The guide's closing line thanks both partners after every session; a script whose last
    line thanks them as well has them thanked twice in a row."""
    problems: list[Problem] = []
    for rotation in range(_variants(exercise.script)):
        last = None
        for at, where, step, inside in iter_steps(exercise.script, rotation):
            if isinstance(step, Say):  # a line inside turns speaks to one partner, never the closing
                last = None if inside else (at, where, step.say)
        if last is None:
            continue
        at, where, text = last
        if any(word in text.lower() for word in pack.thanks):
            problem = Problem(
                str(exercise.path), exercise.line_of(at + ("say",)),
                f"{where}: the last line thanks the couple, and the guide's closing line will thank them "
                "too; end on something else so they are thanked once",
                warning=True,
            )
            if problem not in problems:
                problems.append(problem)
    return problems


def _variants(script: Script) -> int:
    """How many sessions it takes to hear every set of every `rotate` step (1 without any)."""
    return max(rotation_sizes(script), default=1)


def _spoken(script: Script) -> Iterator[tuple[KeyPath, str, str, str]]:
    """(key path, step words, key, text) for every line the guide speaks from the script."""
    for at, where, step, _inside in iter_steps(script):
        if isinstance(step, Say):
            yield at, where, "say", step.say
        elif isinstance(step, Timer) and step.end != "chime":
            yield at, where, "end", step.end


def _command_patterns(pack: LanguagePack) -> tuple[tuple[re.Pattern[str], str], ...]:
    return _compile(tuple(pack.commands.items()))


@cache
def _compile(commands: tuple[tuple[str, tuple[str, ...]], ...]) -> tuple[tuple[re.Pattern[str], str], ...]:
    out = []
    for command, phrases in commands:
        for phrase in phrases:
            words = r"\s+".join(re.escape(w) for w in phrase.split())
            out.append((re.compile(rf"(?<!\w){words}(?!\w)", re.IGNORECASE), command))
    return tuple(out)


def _command_words(text: str, pack: LanguagePack) -> list[tuple[str, str]]:
    """Whole-word, case-insensitive matches of the pack's command phrases, in text order."""
    hits = []
    for pattern, command in _command_patterns(pack):
        for match in pattern.finditer(text):
            hits.append((match.start(), match.group(0), command))
    return [(word, command) for _, word, command in sorted(hits)]


def _too_long(text: str) -> str | None:
    words = len(text.split())
    if words > MAX_LINE_WORDS:
        return f"the line has {words} words (more than {MAX_LINE_WORDS})"
    for sentence in _SENTENCE_END.split(text.strip()):
        n = len(sentence.split())
        if n > MAX_SENTENCE_WORDS:
            start = " ".join(sentence.split()[:6])
            return f"the sentence starting {start!r} has {n} words (more than {MAX_SENTENCE_WORDS})"
    return None


def _partners_named(text: str) -> set[str]:
    try:
        return {n for n in placeholders(text) if n in ("a", "b")}
    except ValueError:
        return set()


_VOCATIVE = re.compile(r"\s*\{(a|b)\}\s*,")  # a line that opens with "{a}," speaks to {a}


def _unequal_turns(exercise: Exercise) -> list[Problem]:
    """Two ways a script can give one partner more of the floor than the other.

    Inside a `turns` block the steps run once for each partner, so their timers are equal by
    construction; but a line there that names only {a} (or only {b}) speaks to the same person in
    both turns. Outside `turns`, a `say` that opens by calling a partner by name ("{a}, you
    begin.") gives that partner the floor, and every timer and pause after it, until the next
    `say`, counts as their time. The two totals must match.
    """
    problems: list[Problem] = []
    for rotation in range(_variants(exercise.script)):
        problems += [p for p in _unequal_in(exercise, rotation) if p not in problems]
    return problems


def _unequal_in(exercise: Exercise, rotation: int) -> list[Problem]:
    """`_unequal_turns` for the session that plays each `rotate` step's set number `rotation`."""
    name = str(exercise.path)
    problems: list[Problem] = []
    floor: dict[str, float] = {"a": 0.0, "b": 0.0}
    first_at: dict[str, KeyPath] = {}
    holder: str | None = None
    for at, where, step, inside in iter_steps(exercise.script, rotation):
        if inside:
            holder = None
            if isinstance(step, Say):
                named = _partners_named(step.say)
                if len(named) == 1:
                    p = named.pop()
                    problems.append(Problem(
                        name, exercise.line_of(at + ("say",)),
                        f"{where}: inside a 'turns' block {{{p}}} is the same person in both turns; "
                        "use {speaker} or {listener} so each partner gets the same part",
                        warning=True,
                    ))
            continue
        if isinstance(step, Say):
            match = _VOCATIVE.match(step.say)
            holder = match.group(1) if match else None
        elif isinstance(step, (Timer, Pause)) and holder is not None:
            floor[holder] += step.timer if isinstance(step, Timer) else step.pause
            first_at.setdefault(holder, at)
    if abs(floor["a"] - floor["b"]) > TURN_TOLERANCE_S:
        more, less = ("a", "b") if floor["a"] > floor["b"] else ("b", "a")
        problems.append(Problem(
            name, exercise.line_of(first_at[more]),
            f"unequal turns: outside 'turns' blocks {{{more}}} has {format_duration(floor[more])} of timed floor "
            f"and {{{less}}} has {format_duration(floor[less])}; put the turns in a 'turns' block or give both "
            "the same time",
            warning=True,
        ))
    return problems


def unused_audio(folder: Path) -> list[Problem]:
    """Audio files in an exercise folder (and its subfolders) that no script in the folder uses.

    Previews that `voiceguide render` wrote are not clips and are left alone (script.previews).

    A script that does not load still counts as using every audio file whose name appears in its
    text, so a broken sibling never makes good files look unused.
    """
    audio = _audio_files(folder)
    if not audio:
        return []
    used: set[Path] = set()
    loose_text = ""
    for script_path in sorted(p for p in _safe_iterdir(folder) if p.suffix in (".yaml", ".yml") and p.is_file()):
        exercise, _ = check_file(script_path)
        if exercise is None:
            try:
                loose_text += read_bytes(script_path, MAX_BYTES, what="exercise file").decode("utf-8", "replace")
            except NotReadable:
                pass
            continue
        for _at, _where, step, _inside in iter_steps(exercise.script):
            ref = getattr(step, "audio", None) if isinstance(step, (Say, Clip)) else None
            if ref:
                found = resolve_audio(ref, folder)
                if found is not None:
                    used.add(found)
    problems = []
    for path in audio:
        rel = path.relative_to(folder).as_posix()
        if path.resolve() in used or (loose_text and rel in loose_text) or is_marked(path):
            continue
        problems.append(Problem(
            str(path), 0,
            f"no exercise in {folder} uses this audio file; refer to it with 'audio: {rel}' or remove it",
            warning=True,
        ))
    return problems


def _safe_iterdir(folder: Path) -> list[Path]:
    try:
        return list(folder.iterdir())
    except OSError:
        return []


def _audio_files(folder: Path) -> list[Path]:
    out: list[Path] = []
    seen = 0
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d != "__pycache__")
        for f in sorted(files):
            seen += 1
            if seen > MAX_AUDIO_SCAN:
                return sorted(out)
            if not f.startswith(".") and Path(f).suffix.lower() in AUDIO_SUFFIXES:
                out.append(Path(root) / f)
    return sorted(out)
