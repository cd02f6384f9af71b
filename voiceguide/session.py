"""Putting a session together: plan, engine, bus, output, inputs, trace; then run it."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any, TextIO

from voiceguide import history, nextsession
from voiceguide.button.options import configured as button_configured
from voiceguide.engine import Engine
from voiceguide.events import Action, EndReason, Event, Expect, InputClosed
from voiceguide.keys import HELP, KeyInput, LineInput
from voiceguide.lang import LanguagePack, load_pack
from voiceguide.plan import Names, PlanStep, build_plan, with_guide_lines
from voiceguide.runner import Bus, Clock, Observer, Output, RealClock, Runner
from voiceguide.script.load import Exercise
from voiceguide.settings import SessionOptions, Settings
from voiceguide.textout import TextOutput
from voiceguide.trace import Trace


@dataclass
class SessionParts:
    """Everything a session is made of, so tests and `render` can swap any piece."""

    exercise: Exercise
    pack: LanguagePack
    plan: tuple[PlanStep, ...]
    engine: Engine
    bus: Bus
    output: Output
    observers: list[Observer] = field(default_factory=list)
    closers: list[Callable[[], None]] = field(default_factory=list)


def names_for(settings: Settings, pack: LanguagePack) -> Names:
    return Names(settings.partner_a or pack.names[0], settings.partner_b or pack.names[1])


def pack_for(exercise: Exercise, settings: Settings) -> LanguagePack:
    return load_pack(settings.language or exercise.script.language)


def assemble(
    exercise: Exercise,
    settings: Settings,
    options: SessionOptions,
    *,
    clock: Clock | None = None,
    output_factory: Callable[[Bus], Output] | None = None,
    stdout: TextIO | None = None,
    bus: Bus | None = None,
    tokens: Iterator[int] | None = None,
    past: list[history.Session] | None = None,
) -> SessionParts:
    """Build a session. A `bus` and `tokens` passed in are shared with what ran before (the menu).
    `past` is the history when this is a couple's real session (None for previews and renders): it
    decides whether the safety line opens it, who goes first and which question set comes up."""
    pack = pack_for(exercise, settings)
    if button_configured(settings):  # "help" and the end-early line name the button too (rendered ahead so)
        lines = pack.lines
        pack = replace(pack, lines=replace(lines, help=f"{lines.help} {lines.button_help}".strip(),
                                           end_early=lines.end_early_button or lines.end_early))
    plan = session_plan(exercise, settings, options, pack, past)
    engine = Engine(plan, pack.lines, time_scale=options.time_scale, tokens=tokens)
    bus = bus or Bus(clock or RealClock())
    parts = SessionParts(exercise, pack, plan, engine, bus, output=None)  # type: ignore[arg-type]
    if output_factory is not None:
        parts.output = output_factory(bus)
    else:
        text = TextOutput(bus, time_scale=options.time_scale, rate_wpm=settings.rate, stream=stdout)
        parts.output = text
        parts.observers.append(text.show)
    if options.trace is not None:
        trace = Trace(options.trace)
        parts.observers.append(trace)
        parts.closers.append(trace.close)
    return parts


def session_plan(exercise: Exercise, settings: Settings, options: SessionOptions, pack: LanguagePack,
                 past: list[history.Session] | None = None) -> tuple[PlanStep, ...]:
    """The steps a session walks through: the script's, and the guide's own lines from the pack."""
    known = past if past is not None else []
    first = options.first or nextsession.opener(known)
    rotation = options.rotation if options.rotation is not None else nextsession.rotation(known, exercise.script.id)
    plan = build_plan(exercise, names_for(settings, pack), first=first, rotation=rotation)
    safety = pack.lines.safety if past is not None and nextsession.first_use(past) else None
    return with_guide_lines(plan, safety=safety, end_early=pack.lines.end_early)


def attach_stdin(parts: SessionParts, stdin: TextIO, *, voice: bool) -> KeyInput | LineInput:
    """Keys from a terminal, or paced command lines from a pipe."""
    if stdin.isatty():
        keys = KeyInput(parts.bus, stdin.fileno())
        keys.start()
        parts.closers.append(keys.close)
        print(HELP, file=sys.stderr)
        return keys
    lines = LineInput(parts.bus, stdin, close_when_done=not voice)
    lines.start()
    return lines


def attach_button(parts: SessionParts, settings: Settings, context: Callable[[], str] = lambda: "session",
                  *, warn: Callable[[str], None] | None = None) -> bool:
    """The configured button (a GPIO pin, an input device, or both) as one more command source.
    True when one is configured: then commands can always come, even once stdin has ended and
    voice is off (a button that is missing now may be plugged in later)."""
    if not button_configured(settings):
        return False
    from voiceguide.button.input import start_button

    inputs = start_button(parts.bus, settings, context, warn=warn)  # type: ignore[arg-type]
    parts.closers.extend(button.stop for button in inputs)
    return True


def voice_lost(parts: SessionParts, stdin_input: KeyInput | LineInput | None) -> None:
    """Voice failed mid-session: commands from a pipe that has ended can no longer arrive either."""
    if isinstance(stdin_input, LineInput):
        stdin_input.close_when_done = True
        if not stdin_input.thread.is_alive() and not parts.bus.closed.is_set():
            parts.bus.post(InputClosed())


def follow_expect(listener: Any, pack: LanguagePack) -> Observer:
    """An observer that gives the listener what each `Expect` (from the engine or the menu) asks
    it to hear: the pack's phrases for the commands named, and the words and choices besides."""

    def observe(wall: float, message: Event | Action) -> None:
        if isinstance(message, Expect):
            names = pack.commands.keys() if message.commands is None else set(message.commands)
            commands = {name: said for name, said in pack.commands.items() if name in names}
            listener.set_vocabulary({**commands, **message.words}, pack.distractors, message.choices)

    return observe


def say_held(say: Callable[[str], None]) -> Observer:
    """With -v: what became of each voice command that waited for quiet (in a turn or a silence)."""
    from voiceguide.events import Held

    def observe(wall: float, message: Event | Action) -> None:
        if isinstance(message, Held):
            why = f": {message.reason}" if message.reason else ""
            say(f"{message.command!r} {message.outcome.replace('_', ' ')}{why}"
                + (" (waiting for quiet)" if message.outcome == "held" else ""))

    return observe


def attach_listener(parts: SessionParts, settings: Settings, gate: object | None = None,
                    *, source: object | None = None, warn: Callable[[str], None] | None = None,
                    on_lost: Callable[[], None] | None = None, verbose: bool = False,
                    echo: Any = None) -> Any:
    """Voice commands onto the bus, keys going on alongside. The model loads in the listener's
    thread while the first lines are spoken. Without a model or microphone: the pack's `no_model`
    line, said once (spoken, and on stderr), and the session carries on with the keys. A microphone
    that goes away mid-session: `mic_lost`, said once, and `mic_back` when it returns (the listener
    keeps trying it). With `echo` (the guide's EchoReference), the guide's own sound is taken out
    of the microphone's. The Listener if listening started (it can still fail later, with the same message), else None."""
    from voiceguide.errors import VoiceguideError
    from voiceguide.events import Announce
    from voiceguide.listen.build import make_listener, model_path
    from voiceguide.listen.heard import Heard
    from voiceguide.listen.source import MicSource

    pack = parts.pack
    say = warn or (lambda text: print(f"voiceguide: {text}", file=sys.stderr))
    reported = []

    def announce(spoken: str, detail: str = "") -> None:
        say(f"{spoken} {detail}".strip())
        if not parts.bus.closed.is_set():
            parts.bus.post(Announce(spoken))

    def unavailable(exc: VoiceguideError) -> None:
        if not reported:
            reported.append(exc)
            announce(pack.lines.no_model, f"({exc})")  # heard: a plain sentence; the way out: stderr only
            if on_lost is not None:
                on_lost()

    voice = Heard(parts.bus.post)  # commands, and the talk that lets a held one go

    def post(decision: object) -> None:
        if decision.accepted:  # type: ignore[attr-defined]
            voice.decision(decision)  # type: ignore[arg-type]
            by = None if decision.opinion == "recogniser" else decision.opinion  # type: ignore[attr-defined]
            if verbose and by is not None:
                say(f"heard {decision.text!r}, taken as {decision.name} (opinion: {decision.opinion})")  # type: ignore[attr-defined]
        elif verbose:
            by = "" if decision.opinion == "recogniser" else f" (opinion: {decision.opinion})"  # type: ignore[attr-defined]
            say(f"heard {decision.text!r}, not taken: {decision.reason}{by}")  # type: ignore[attr-defined]

    try:
        path = model_path(pack, settings.model)
        mic = source if source is not None else MicSource(settings.input_device)
        if source is None and echo is not None:
            from voiceguide.listen.echo import EchoCancelledSource

            mic = EchoCancelledSource(mic, echo, warn=say)
    except VoiceguideError as exc:
        unavailable(exc)
        return None

    def heard(hyp: Any, t: float) -> None:
        if hyp.final and hyp.text:
            confs = [w.conf for w in hyp.words if w.conf is not None]
            low = f", lowest confidence {min(confs):.2f}" if confs else ""
            say(f"heard {hyp.text!r} at {t:.2f} s of listening{low}")

    gate = gate if gate is not None else getattr(parts, "playstate", None)
    hooks = {"on_hypothesis": heard} if verbose else {}
    listener = make_listener(pack, mic, post, model=path, gate=gate, on_error=unavailable, reconnect=True,  # type: ignore[arg-type]
                             veto=settings.enrolled_veto,
                             on_lost=lambda reason: announce(pack.lines.mic_lost, f"({reason})"),
                             on_back=lambda: announce(pack.lines.mic_back), on_talk=voice.talk, **hooks)
    parts.observers.append(follow_expect(listener, pack))
    if verbose:
        parts.observers.append(say_held(say))
    listener.start()
    parts.closers.append(listener.stop)
    return listener


def close(parts: SessionParts) -> None:
    parts.bus.closed.set()
    parts.output.close()
    for closer in reversed(parts.closers):
        closer()
    parts.closers.clear()


def is_preview(options: SessionOptions) -> bool:
    """A run that is not a session a couple did: read as text, or with timers and pauses shortened
    (or lengthened). The history is what the couple did: the menu's "Last time, you did ..." and
    the minutes a week come from it, so a preview an author ran must not count."""
    return options.text or options.time_scale != 1.0


def run(parts: SessionParts, *, record: bool = False, keep_open: bool = False) -> EndReason:
    """Run to the end. With `record`, the session goes into the history however it ends; with
    `keep_open`, the bus, output and closers stay open for what comes next (the menu)."""
    runner = Runner(parts.engine, parts.bus, parts.output, parts.observers)
    clock = parts.bus.clock
    start_wall, start = clock.wall(), clock.now()
    outcome = "interrupted"
    try:
        reason = runner.run()
        outcome = reason
        return reason  # type: ignore[return-value]
    finally:
        parts.output.stop()
        if not keep_open or outcome == "interrupted":
            close(parts)
        if record:
            script = parts.exercise.script
            history.record(history.Session(script.id, script.title, start_wall, clock.now() - start, outcome))
