"""`voiceguide menu`: the menu, then the chosen session, then the menu again — on one bus, one
output and one set of inputs, so a couple never needs the screen between exercises."""

from __future__ import annotations

import itertools
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, TextIO

from voiceguide import history, library, nextsession
from voiceguide.button.options import configured as button_configured
from voiceguide.events import Choice, Event
from voiceguide.keys import HELP, KeyInput, LineInput, parse_line
from voiceguide.lang import LanguagePack, load_pack
from voiceguide.menu import Menu, MenuItem
from voiceguide.runner import Bus, Observer, RealClock, Runner
from voiceguide.session import assemble, is_preview, run
from voiceguide.settings import SessionOptions, Settings
from voiceguide.textout import TextOutput
from voiceguide.timing import exercise_minutes
from voiceguide.trace import Trace

if TYPE_CHECKING:
    from voiceguide.speaker import Speaker

# An exercise not played for this long is worth suggesting.
SUGGEST_AFTER_S = 14 * 86400


# The menu offers light exercises first: a couple choosing for a weeknight hears those before the
# ones that ask more of them.
DEPTHS = ("light", "medium", "deep")


def menu_items(pack: LanguagePack, settings: Settings, dirs: tuple = ()) -> list[MenuItem]:
    """The exercises in the pack's language (all of them if none is), lightest first."""
    items = []
    for entry in library.entries(dirs):
        exercise = library.load_entry(entry)
        minutes = exercise_minutes(exercise, settings.rate)  # the same estimate as `list`
        items.append((exercise.script.language, DEPTHS.index(exercise.script.depth),
                      MenuItem(entry.id, exercise.script.title, minutes)))
    mine = [(depth, item) for lang, depth, item in items if lang == pack.code]
    chosen = mine or [(depth, item) for _, depth, item in items]
    return [item for _, item in sorted(chosen, key=lambda pair: pair[0])]


def remembered(items: list[MenuItem], now: float | None = None) -> tuple[str | None, str | None]:
    """(the last exercise played, one not played for a while) from the history."""
    sessions = history.recent()
    last = sessions[-1].exercise if sessions else None
    done = history.last_done(sessions)
    now = time.time() if now is None else now
    stale = [i for i in items if now - done.get(i.id, 0.0) > SUGGEST_AFTER_S and i.id != last]
    stale.sort(key=lambda i: done.get(i.id, 0.0))
    return last, (stale[0].id if stale and sessions else None)


def tried(ident: str | None) -> bool:
    """Whether the history holds this exercise at all."""
    return ident is not None and ident in history.last_done(history.recent())


def run_menu(
    settings: Settings,
    options: SessionOptions,
    *,
    loop: bool,
    stdin: TextIO,
    dirs: tuple = (),
    speaker: Speaker | None = None,
    stdout: TextIO | None = None,
) -> str:
    """Returns how the evening ended: 'goodbye' (or 'stopped' when input ran out). With a
    `speaker`, everything is said aloud on its one open output; otherwise printed."""
    pack = load_pack(settings.language or "en")
    items = menu_items(pack, settings, dirs)
    button = button_configured(settings)
    menu_lines = replace(pack.menu, help=f"{pack.menu.help} {pack.menu.button_help}".strip()) if button else pack.menu
    bus = Bus(RealClock())
    tokens = itertools.count(1)
    observers: list[Observer] = []
    if speaker is not None:
        output = speaker.output(bus)
    else:
        text = TextOutput(bus, time_scale=options.time_scale, rate_wpm=settings.rate, stream=stdout)
        output = text
        observers.append(text.show)
    trace = Trace(options.trace) if options.trace else None
    if trace is not None:
        observers.append(trace)
    current: dict[str, Menu | None] = {"menu": None}
    where = {"context": "menu"}  # what a button press means: the menu's, or a session's

    def pick(line: str) -> Event | None:
        command = parse_line(line)
        if command is not None:
            return command
        menu = current["menu"]
        ident = menu.match(line) if menu is not None else None
        return Choice(ident, source="stdin") if ident else None

    def key(ch: str) -> Event | None:
        menu = current["menu"]
        if menu is not None and ch.isdigit() and ch != "0":
            ident = menu.match(ch)
            return Choice(ident, source="keys") if ident else None
        return None

    closers: list[Callable[[], None]] = []
    listener = None
    if options.listen:
        from types import SimpleNamespace

        from voiceguide.session import attach_listener

        listener = attach_listener(SimpleNamespace(pack=pack, bus=bus, closers=closers, observers=observers),  # type: ignore[arg-type]
                                   settings, gate=speaker.playstate if speaker else None,
                                   echo=speaker.echo if speaker else None)
    if button:
        from types import SimpleNamespace

        from voiceguide.session import attach_button

        attach_button(SimpleNamespace(bus=bus, closers=closers), settings, lambda: where["context"])  # type: ignore[arg-type]
    if stdin.isatty():
        keys = KeyInput(bus, stdin.fileno(), extra=key)
        keys.start()
        closers.append(keys.close)
        print(HELP + " · 1-9 choose", file=sys.stderr)
    else:
        LineInput(bus, stdin, close_when_done=listener is None and not button, parse=pick).start()

    after = False
    try:
        while True:
            last, suggestion = remembered(items)
            menu = Menu(items, menu_lines, after_session=after, last=last, suggestion=suggestion,
                        suggestion_new=not tried(suggestion), loop=loop, tokens=tokens, button=button,
                        safety=pack.lines.safety)
            current["menu"] = menu
            where["context"] = "menu"
            Runner(menu, bus, output, observers).run()
            where["context"] = "session"
            if menu.end_reason != "chosen" or menu.chosen is None:
                return "goodbye"
            exercise = library.find(menu.chosen, dirs)
            parts = assemble(
                exercise, settings, replace(options, trace=None), bus=bus, tokens=tokens, output_factory=lambda _bus: output,
                past=nextsession.past_sessions(),
            )
            if speaker is not None:
                speaker.prerender(parts.plan, parts.pack)
            parts.observers = observers
            outcome = run(parts, record=not is_preview(options), keep_open=True)
            after = True
            if bus.closed.is_set() or (outcome == "stopped" and bus.input_closed.is_set()):
                return "stopped"
    finally:
        bus.closed.set()
        output.stop()
        output.close()
        if trace is not None:
            trace.close()
        for closer in closers:
            closer()
