"""Load an exercise file into a validated `Script`, or a list of `FILE:LINE: message` problems."""

from __future__ import annotations

import codecs
import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from voiceguide.errors import ScriptError
from voiceguide.safeio import NotReadable, read_bytes
from voiceguide.script.assets import audio_path_problem, resolve_audio
from voiceguide.script.model import KIND_KEYS, STEP_KEYS, Rotate, Say, Script, Timer, Turns, Wait, _Step
from voiceguide.script.placeholders import (
    PARTNER_NAMES,
    TURN_NAMES,
    PlaceholderProblem,
    placeholders,
)
from voiceguide.script.yamlread import Path as KeyPath
from voiceguide.script.yamlread import YamlProblem, read_yaml

MAX_BYTES = 1024 * 1024
TOP_KEYS = tuple(Script.model_fields)


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    message: str
    warning: bool = False

    def __str__(self) -> str:
        kind = "warning: " if self.warning else ""
        where = f"{self.file}:{self.line}" if self.line > 0 else self.file  # 0: the file as a whole
        return f"{where}: {kind}{self.message}"


@dataclass(frozen=True)
class Exercise:
    """A validated script with where it came from, and the line of each of its parts."""

    script: Script
    path: Path
    lines: Mapping[KeyPath, int] = field(default_factory=dict, repr=False, compare=False)

    @property
    def folder(self) -> Path:
        return self.path.parent

    def line_of(self, path: KeyPath) -> int:
        while path and path not in self.lines:
            path = path[:-1]
        return self.lines.get(path, 1)


def load(path: str | Path) -> Exercise:
    exercise, problems = check_file(path)
    errors = [p for p in problems if not p.warning]
    if errors or exercise is None:
        raise ScriptError(errors)
    return exercise


def check_file(path: str | Path) -> tuple[Exercise | None, list[Problem]]:
    """Validate one file; never raises for anything inside the file.

    A file in the user's folder is read by `list`, `play` and `menu` for every exercise, so
    whatever a file makes a parser or validator throw must stay that file's own problem; the
    specific cases have their own words, and the last `except` keeps the promise for the rest."""
    path = Path(path)
    name = str(path)
    try:
        text = _read_text(path)
        data, lines = read_yaml(text)
        return _check_data(data, lines, path)
    except YamlProblem as exc:
        return None, [Problem(name, exc.line, exc.message)]
    except RecursionError:
        return None, [Problem(name, 0, "is nested too deeply to be an exercise script")]
    except MemoryError:
        return None, [Problem(name, 0, "needs too much memory to read; it is not an exercise script")]
    except Exception as exc:  # noqa: BLE001 - see the docstring
        return None, [Problem(name, 0, f"cannot be loaded ({type(exc).__name__}: {_short(str(exc))})")]


def _read_text(path: Path) -> str:
    try:
        raw = read_bytes(path, MAX_BYTES, what="exercise file")
    except NotReadable as exc:
        raise YamlProblem(0, exc.reason) from None
    wide = _wide_encoding(raw)
    if wide:
        raise YamlProblem(0, f"is {wide} text; save it as UTF-8")
    if b"\x00" in raw:
        raise YamlProblem(raw[: raw.index(b"\x00")].count(b"\n") + 1, "is binary, not a text file")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise YamlProblem(line, f"is not UTF-8 text (byte 0x{raw[exc.start]:02x}); save it as UTF-8") from None
    return text.removeprefix("\ufeff")


_WIDE = (  # (byte-order mark, codec, name); UTF-32's mark begins with UTF-16's, so it goes first
    (b"\xff\xfe\x00\x00", "utf-32-le", "UTF-32"), (b"\x00\x00\xfe\xff", "utf-32-be", "UTF-32"),
    (b"\xff\xfe", "utf-16-le", "UTF-16"), (b"\xfe\xff", "utf-16-be", "UTF-16"),
)


def _wide_encoding(raw: bytes) -> str | None:
    """"UTF-16" or "UTF-32" when the file is text in one of them (editors on Windows save it so),
    with or without a byte-order mark; None otherwise. Only text that decodes cleanly into
    printable lines counts, so binary junk is still called binary."""
    sample = raw[:4096]
    candidates = [(codec, name, len(bom)) for bom, codec, name in _WIDE if sample.startswith(bom)]
    if not candidates and b"\x00" in sample:
        candidates = [("utf-16-le", "UTF-16", 0), ("utf-16-be", "UTF-16", 0)]
    for codec, name, skip in candidates:
        try:
            text = codecs.getincrementaldecoder(codec)().decode(sample[skip:], final=False)
        except UnicodeDecodeError:
            continue
        if text and all(c.isprintable() or c in "\r\n\t" for c in text[:2000]):
            return name
    return None


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text)} characters)"


def _check_data(data: Any, lines: Mapping[KeyPath, int], path: Path) -> tuple[Exercise | None, list[Problem]]:
    name = str(path)
    problems: list[Problem] = []

    def line_of(key_path: KeyPath) -> int:
        while key_path and key_path not in lines:
            key_path = key_path[:-1]
        return lines.get(key_path, 1)

    def report(key_path: KeyPath, message: str) -> None:
        problems.append(Problem(name, line_of(key_path), message))

    if not isinstance(data, dict):
        report((), f"an exercise script is a mapping with {', '.join(TOP_KEYS)}; this file holds {_kind(data)}")
        return None, problems

    raw_steps = data.get("steps")
    steps: list[_Step] = []
    if isinstance(raw_steps, list):
        for i, raw in enumerate(raw_steps):
            step = _check_step(raw, ("steps", i), f"step {i + 1}", report, folder=path.parent, inside_turns=False)
            if step is not None:
                steps.append(step)

    top = dict(data)
    steps_ok = isinstance(raw_steps, list) and len(steps) == len(raw_steps)
    if isinstance(raw_steps, list) and raw_steps and not steps_ok:
        top["steps"] = [Wait(wait="next")]  # stand-in so the other keys are still checked
    elif steps_ok:
        top["steps"] = steps
    try:
        script = Script.model_validate(top)
    except ValidationError as exc:
        errors = exc.errors()
        for err in _without_missing_misspelt(errors):
            report(tuple(err["loc"]), _message(err, "the script", Script, present=top))
        script = None

    if script is None or not steps_ok:
        return None, problems
    return Exercise(script=script, path=path, lines=dict(lines)), problems


def _check_step(raw: Any, at: KeyPath, where: str, report: Any, *, folder: Path, inside_turns: bool,
                inside_rotate: bool = False) -> _Step | None:
    if not isinstance(raw, dict):
        report(at, f"{where} must be a mapping such as 'say: ...' or 'pause: 5s', not {_kind(raw)}")
        return None
    kind = next((k for k in KIND_KEYS if k in raw), None)
    if kind is None:
        has = f"has {', '.join(map(str, raw))} but no step kind" if raw else "is empty"
        guess = next((g for g in (did_you_mean(str(k), tuple(KIND_KEYS)) for k in raw) if g), None)
        report(at, f"{where} {has}: {guess or 'start it with one of ' + ', '.join(KIND_KEYS)}")
        return None
    if kind == "turns" and inside_turns:
        report(at + ("turns",), f"{where} is a 'turns' block inside a 'turns' block; turns cannot be nested")
        return None
    if kind == "rotate" and (inside_turns or inside_rotate):
        block = "'turns' block" if inside_turns else "'rotate' set"
        report(at + ("rotate",), f"{where} is a 'rotate' step inside a {block}; a 'rotate' step can only be "
                                 "one of the exercise's own steps")
        return None
    model = KIND_KEYS[kind]
    if kind == "turns":
        return _check_turns(raw, at, where, report, folder)
    if kind == "rotate":
        return _check_rotate(raw, at, where, report, folder)
    try:
        step = model.model_validate(raw)
    except ValidationError as exc:
        for err in exc.errors():
            report(at + tuple(err["loc"]), _message(err, f"{where} ({kind})", model, present=raw))
        return None
    return step if _check_references(step, at, where, inside_turns, folder, report) else None


def _check_turns(raw: dict[str, Any], at: KeyPath, where: str, report: Any, folder: Path) -> _Step | None:
    body = raw.get("turns")
    ok = True
    extra = [k for k in raw if k != "turns"]
    for key in extra:
        report(at + (key,), f"unknown key '{key}' in {where} (turns); a turns step holds only 'turns:' with order and steps")
        ok = False
    if not isinstance(body, dict):
        report(at + ("turns",), f"'turns' in {where} must hold 'order: [a, b]' and 'steps:', not {_kind(body)}")
        return None
    inner_raw = body.get("steps")
    inner: list[_Step] = []
    if isinstance(inner_raw, list):
        for j, item in enumerate(inner_raw):
            step = _check_step(
                item, at + ("turns", "steps", j), f"step {j + 1} of the turns in {where}", report,
                folder=folder, inside_turns=True,
            )
            if step is None:
                ok = False
            else:
                inner.append(step)
    stand_in = isinstance(inner_raw, list) and inner_raw and len(inner) != len(inner_raw)
    candidate = {"turns": {**body, "steps": [Wait(wait="next")] if stand_in else inner if inner_raw else inner_raw}}
    try:
        turns = Turns.model_validate(candidate)
    except ValidationError as exc:
        for err in exc.errors():
            loc = tuple(err["loc"])
            if loc[:2] == ("turns", "steps") and len(loc) > 2:
                continue
            report(at + loc, _message(err, f"{where} (turns)", Turns))
        return None
    return turns if ok else None


def _check_rotate(raw: dict[str, Any], at: KeyPath, where: str, report: Any, folder: Path) -> _Step | None:
    """Each set's steps are checked like the exercise's own (turns allowed), then the whole."""
    body = raw.get("rotate")
    ok = True
    for key in (k for k in raw if k != "rotate"):
        report(at + (key,), f"unknown key '{key}' in {where} (rotate); a rotate step holds only 'rotate:', "
                            "a list of sets, each with its own 'steps:'")
        ok = False
    if not isinstance(body, list):
        report(at + ("rotate",), f"'rotate' in {where} must be a list of sets, each with its own 'steps:', "
                                 f"not {_kind(body)}")
        return None
    if len(body) < 2:
        report(at + ("rotate",), f"'rotate' in {where} needs at least two sets (one is played per session, "
                                 f"in turn), not {len(body)}")
        ok = False
    sets: list[Any] = []
    for k, item in enumerate(body):
        if not isinstance(item, dict):
            report(at + ("rotate", k), f"set {k + 1} in {where} (rotate) must be a mapping with 'steps:', "
                                       f"not {_kind(item)}")
            ok = False
            continue
        inner_raw = item.get("steps")
        if not isinstance(inner_raw, list):
            sets.append(item)  # the model reports what is wrong with it
            continue
        inner: list[_Step] = []
        for j, step_raw in enumerate(inner_raw):
            step = _check_step(step_raw, at + ("rotate", k, "steps", j), f"step {j + 1} of set {k + 1} in {where}",
                               report, folder=folder, inside_turns=False, inside_rotate=True)
            if step is None:
                ok = False
            else:
                inner.append(step)
        stand_in = bool(inner_raw) and len(inner) != len(inner_raw)
        sets.append({**item, "steps": [Wait(wait="next")] if stand_in else inner})
    try:
        rotate = Rotate.model_validate({"rotate": sets})
    except ValidationError as exc:
        for err in exc.errors():
            loc = tuple(err["loc"])
            if (len(loc) > 3 and loc[2] == "steps") or (len(loc) == 1 and err["type"] == "too_short"):
                continue  # a step's own problem, or too few sets: reported above
            report(at + loc, _message(err, f"{where} (rotate)", Rotate))
        return None
    return rotate if ok else None


def _check_references(step: _Step, at: KeyPath, where: str, in_turns: bool, folder: Path, report: Any) -> bool:
    """Placeholders and audio files: what the model alone cannot know. True when all is well."""
    ok = True

    def bad(key: str, message: str) -> None:
        nonlocal ok
        ok = False
        report(at + (key,), f"{where}: {message}")

    allowed = PARTNER_NAMES + TURN_NAMES if in_turns else PARTNER_NAMES
    for key, text in _texts(step):
        try:
            names = placeholders(text)
        except PlaceholderProblem as exc:
            bad(key, str(exc))
            continue
        for n in names:
            if n not in allowed:
                hint = (
                    "{speaker} and {listener} only work inside a 'turns' block"
                    if n in TURN_NAMES
                    else "use " + ", ".join("{" + a + "}" for a in allowed)
                )
                bad(key, f"unknown placeholder {{{n}}}; {hint}")
    audio = getattr(step, "audio", None)
    if audio is not None:
        problem = audio_path_problem(audio)
        if problem:
            bad("audio", problem)
        elif resolve_audio(audio, folder) is None:
            bad("audio", f"audio file {audio!r} not found next to the script or among the bundled clips")
    return ok


def iter_steps(script: Script, rotation: int | None = None):
    """(key path, 'step N' words, step, inside turns?) for every step, turns bodies included, and
    the steps of every `rotate` set; with `rotation`, only the set a session with that number plays."""
    for i, step in enumerate(script.steps):
        at = ("steps", i)
        if isinstance(step, Rotate):
            chosen = range(len(step.rotate)) if rotation is None else [rotation % len(step.rotate)]
            for k in chosen:
                for j, inner in enumerate(step.rotate[k].steps):
                    yield from _iter_one(inner, at + ("rotate", k, "steps", j), f"step {j + 1} of set {k + 1} in step {i + 1}")
        else:
            yield from _iter_one(step, at, f"step {i + 1}")


def _iter_one(step: _Step, at: KeyPath, where: str):
    if isinstance(step, Turns):
        for j, inner in enumerate(step.turns.steps):
            yield at + ("turns", "steps", j), f"step {j + 1} of the turns in {where}", inner, True
    else:
        yield at, where, step, False


def _texts(step: _Step) -> list[tuple[str, str]]:
    if isinstance(step, Say):
        return [("say", step.say)]
    if isinstance(step, Timer) and step.end != "chime":
        return [("end", step.end)]
    return []


def did_you_mean(word: str, choices: tuple[str, ...] | list[str]) -> str | None:
    """'did you mean 'summary'?' for a near miss, or None: a typo deserves the word it meant."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else None


def _without_missing_misspelt(errors: list[Any]) -> list[Any]:
    """`sumary:` makes pydantic say both "unknown key 'sumary'" and "needs 'summary'"; the second
    is the first seen from the other side, so only the one with the "did you mean" stays."""
    unknown = [str(e["loc"][-1]) for e in errors if e["type"] == "extra_forbidden" and len(e["loc"]) == 1]
    meant = {m for u in unknown for m in difflib.get_close_matches(u, list(TOP_KEYS), n=1, cutoff=0.6)}
    return [e for e in errors if not (e["type"] == "missing" and len(e["loc"]) == 1 and e["loc"][0] in meant)]


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"{str(value).lower()} (a yes/no value)"
    if isinstance(value, (int, float)):
        return f"a number ({_short(repr(value), 40)})" if not isinstance(value, int) or value.bit_length() < 400 \
            else "a number of more than a hundred digits"
    if isinstance(value, str):
        return f"text ({value[:40]!r})"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def _message(err: Mapping[str, Any], where: str, model: type, present: Mapping[str, Any] | None = None) -> str:
    """Pydantic's error, in an author's words: what is wrong and what would be right."""
    loc = [str(x) for x in err["loc"] if not isinstance(x, int)]
    key = loc[-1] if loc else ""
    typ = err["type"]
    value = err.get("input")
    if "order" in loc and typ != "extra_forbidden":
        return f"'order' in {where} must be [a, b] or [b, a]"
    if typ == "extra_forbidden":
        allowed = STEP_KEYS.get(model) or tuple(getattr(model, "model_fields", ()))
        if key == "steps" or len(loc) > 1:
            parent = loc[-2] if len(loc) > 1 else ""
            if parent == "turns":
                allowed = ("order", "steps")
            elif parent == "rotate":
                allowed = ("steps",)
        guess = did_you_mean(key, [a for a in allowed if a not in (present or {})])
        return f"unknown key '{key}' in {where}; {guess + ' ' if guess else ''}allowed here: {', '.join(allowed)}"
    if typ == "missing":
        return f"{where} needs '{key}'"
    if typ == "value_error":
        msg = str(err["msg"]).removeprefix("Value error, ")
        return f"'{key}' in {where}: {msg}"
    if typ in ("string_type", "string_too_short"):
        brace = isinstance(value, dict) and len(value) == 1 and next(iter(value.values())) is None
        hint = "; a text that begins with { (such as {speaker}) must be in quotes: say: \"{speaker}, ...\"" if brace else ""
        return f"'{key}' in {where} must be non-empty text, not {_kind(value)}{hint}"
    if typ == "string_too_long":
        limit = err.get("ctx", {}).get("max_length")
        return f"'{key}' in {where} is too long ({len(value)} characters; at most {limit})"
    if typ == "string_pattern_mismatch":
        if key == "id":
            return f"'id' {value!r} must be lowercase letters, digits and dashes, like 'start-small'"
        if key == "language":
            return f"'language' {value!r} must be a language code such as en or ko"
    if typ == "literal_error":
        if key == "wait":
            return f"'wait' in {where} must be 'next', not {_kind(value)}"
        return f"'{key}' in {where}: {err['msg']}, not {_kind(value)}"
    if typ in ("too_short", "list_type", "tuple_type") and key == "steps":
        return f"'steps' in {where} must be a list with at least one step"
    if key == "minutes":
        return f"'minutes' in {where} must be a number of minutes between 0 and 240, not {_kind(value)}"
    if typ in ("model_type", "dict_type", "model_attributes_type"):
        return f"'{key}' in {where} must be a mapping, not {_kind(value)}"
    return f"'{key}' in {where}: {err['msg']} (got {_kind(value)})"
