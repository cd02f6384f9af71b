"""One button: the mapping, what the session and the menu make of a press, the settings, and the
button's thread (missing, unplugged, back again) with a fake source."""

from __future__ import annotations

import pytest

from tests.fakes import FakeClock
from tests.test_engine import SAY1, SAY2, Driver
from voiceguide.button.input import ButtonInput
from voiceguide.button.mapping import DEFAULTS, parse
from voiceguide.button.presses import Timing
from voiceguide.button.sources import ButtonMissing
from voiceguide.errors import BadInput
from voiceguide.events import ADVANCE, OFFER_NEXT, TAKE, TOGGLE, Chosen, Command, Speak
from voiceguide.lang import load_pack
from voiceguide.menu import Menu, MenuItem
from voiceguide.plan import WaitStep
from voiceguide.runner import Bus, VirtualClock
from voiceguide.settings import build_settings

MENU = load_pack("en").menu
ITEMS = [MenuItem("presence", "Presence", 16.2), MenuItem("start-small", "Start small", 11.0),
         MenuItem("connect", "Connect", 20.0)]


def said(actions) -> list[str]:
    return [a.text for a in actions if isinstance(a, Speak)]


# ---- the mapping ---------------------------------------------------------------------------------


def test_the_default_mapping_is_the_one_sentence_one():
    m = parse(None)
    assert [m.command("session", g) for g in ("short", "long", "double", "previous")] == [ADVANCE, TOGGLE, "repeat", "back"]
    assert [m.command("menu", g) for g in ("short", "long", "double", "previous")] == [TAKE, OFFER_NEXT, "repeat", "back"]


def test_the_mapping_can_be_changed_per_gesture_and_per_place():
    m = parse("double=help; menu.long=more, previous=none")
    assert m.command("session", "double") == "help"
    assert m.command("session", "previous") is None
    assert m.command("menu", "long") == "more"
    assert m.command("session", "short") == DEFAULTS["session"]["short"]


@pytest.mark.parametrize("text", ["short", "tap=next", "short=take", "menu.short=fly", "kitchen.short=next"])
def test_a_wrong_mapping_is_bad_input_that_says_what_would_do(text):
    with pytest.raises(BadInput, match="button-map"):
        parse(text)


# ---- a session -----------------------------------------------------------------------------------


def test_a_short_press_moves_on_or_resumes_while_paused():
    d = Driver([WaitStep(line=1), SAY1, SAY2])
    d.cmd(ADVANCE)
    assert d.engine.index == 1
    d.cmd("pause")
    d.cmd(ADVANCE)
    assert not d.engine.paused and d.engine.index == 1  # resumed, did not skip
    d.cmd(ADVANCE)
    assert d.engine.index == 2


def test_a_short_press_after_stop_carries_on_rather_than_skipping():
    d = Driver([SAY1, SAY2])
    d.cmd("stop")
    d.cmd(ADVANCE)
    assert d.engine.index == 0 and not d.engine.ended


# ---- the menu ------------------------------------------------------------------------------------


def test_the_menu_names_what_a_press_takes_and_a_short_press_takes_it_then_begins_it():
    menu = Menu(ITEMS, MENU, suggestion="connect", button=True)
    [text] = said(menu.start(0))
    assert text.endswith("Press the button once for Connect, or hold it to hear another.")
    assert said(menu.handle(Command(TAKE, source="button"), 0)) == [
        "Connect, about 20 minutes. Say next to begin, or previous to choose another."]
    assert Chosen("connect") in menu.handle(Command(TAKE, source="button"), 0)


def test_a_long_press_in_the_menu_offers_the_next_exercise_round_and_round():
    menu = Menu(ITEMS, MENU, last="presence", button=True)
    [text] = said(menu.start(0))
    assert "once for Start small" in text  # no suggestion: the one after the last played
    assert said(menu.handle(Command(OFFER_NEXT), 0))[0].startswith("Connect, about 20 minutes")
    assert said(menu.handle(Command(OFFER_NEXT), 0))[0].startswith("Presence, about 16 minutes")
    assert Chosen("presence") in menu.handle(Command(TAKE), 0)


def test_without_a_button_the_menu_says_nothing_about_one():
    [text] = said(Menu(ITEMS, MENU, suggestion="connect").start(0))
    assert "button" not in text.lower()


# ---- settings ------------------------------------------------------------------------------------


def test_button_settings_come_from_the_config_file_and_the_environment(tmp_path, monkeypatch):
    config = tmp_path / "c.toml"
    config.write_text('button-gpio = 17\nbutton-device = "Presenter"\nbutton-map = "double=help"\n')
    monkeypatch.setenv("VOICEGUIDE_CONFIG", str(config))
    s = build_settings()
    assert (s.button_gpio, s.button_device, s.button_pull, s.button_map) == ("17", "Presenter", "up", "double=help")
    monkeypatch.setenv("VOICEGUIDE_BUTTON_DEVICE", "/dev/input/by-id/usb-pedal-event-kbd")
    monkeypatch.setenv("VOICEGUIDE_BUTTON_PULL", "down")
    s = build_settings()
    assert s.button_device == "/dev/input/by-id/usb-pedal-event-kbd" and s.button_pull == "down"


@pytest.mark.parametrize("key,value", [("VOICEGUIDE_BUTTON_GPIO", "pin seventeen"), ("VOICEGUIDE_BUTTON_GPIO", "GPIO-1"),
                                       ("VOICEGUIDE_BUTTON_PULL", "sideways"), ("VOICEGUIDE_BUTTON_MAP", "short=launch"),
                                       ("VOICEGUIDE_BUTTON_DEVICE", "a\x1b[2Jb")])
def test_wrong_button_settings_are_bad_input(monkeypatch, key, value):
    monkeypatch.setenv(key, value)
    with pytest.raises(BadInput):
        build_settings()


def test_help_says_what_the_button_does_only_when_one_is_configured():
    from voiceguide import library
    from voiceguide.session import assemble
    from voiceguide.settings import SessionOptions, Settings

    exercise = library.find("presence")
    pack = load_pack("en")
    plain = assemble(exercise, Settings(), SessionOptions(text=True))
    with_button = assemble(exercise, Settings(button_device="Presenter"), SessionOptions(text=True))
    assert plain.engine.lines.help == pack.lines.help
    assert with_button.engine.lines.help == f"{pack.lines.help} {pack.lines.button_help}"



@pytest.mark.parametrize("code, exercise", [("en", "presence"), ("ko", "ko-presence")])
def test_how_to_end_a_turn_early_names_the_button_when_there_is_one(code, exercise):
    from voiceguide import library
    from voiceguide.plan import SayStep
    from voiceguide.session import assemble
    from voiceguide.settings import SessionOptions, Settings

    pack = load_pack(code)
    assert pack.lines.end_early_button and pack.lines.end_early_button != pack.lines.end_early

    def said(settings: Settings) -> list[str]:
        parts = assemble(library.find(exercise), settings, SessionOptions(text=True))
        return [s.text for s in parts.plan if isinstance(s, SayStep)]

    plain, with_button = said(Settings()), said(Settings(button_gpio="17"))
    assert plain.count(pack.lines.end_early) == 1 and pack.lines.end_early_button not in plain
    assert with_button.count(pack.lines.end_early_button) == 1 and pack.lines.end_early not in with_button

@pytest.mark.parametrize("code", ["en", "ko"])
def test_both_language_packs_say_the_button_sentences_without_command_words(code):
    pack = load_pack(code)
    for line in (pack.lines.button_help, pack.menu.button_offer, pack.menu.button_help):
        assert line
        assert not [w for w in pack.command_words() if w in line.lower()], line  # the listener may hear the guide
    assert "{title}" in pack.menu.button_offer


# ---- the button's thread, with a scripted source ---------------------------------------------------


class ScriptedSource:
    """Opens or not, and gives edges, as a list of rounds says: "missing" (open fails), "unplug"
    (read fails), or a list of (kind, pressed, t) edges."""

    def __init__(self, rounds, live=True):
        self.rounds = list(rounds)
        self.live = live
        self.name = "scripted"
        self.opens = self.closes = 0

    def open(self):
        self.opens += 1
        if self.rounds and self.rounds[0] == "missing":
            self.rounds.pop(0)
            raise ButtonMissing("no input device named 'scripted' is plugged in")

    def read(self, timeout):
        step = self.rounds.pop(0) if self.rounds else []
        if step == "unplug":
            raise ButtonMissing("button device scripted went away")
        return step

    def close(self):
        self.closes += 1


def button(source, clock, warnings, context="session"):
    bus = Bus(VirtualClock())
    b = ButtonInput(bus, source, parse(None), lambda: context, timing=Timing(), clock=clock, warn=warnings.append)
    return b, bus


def posted(bus) -> list[Command]:
    out = []
    while not bus.queue.empty():
        out.append(bus.queue.get())
    return out


def test_presses_become_commands_from_the_button_with_their_gesture():
    clock, warnings = FakeClock(0.0), []
    source = ScriptedSource([[("main", True, 0.0), ("main", False, 0.1)], [], [("previous", True, 1.0)], []])
    b, bus = button(source, clock, warnings)
    b.step(0)
    clock.t = 0.5
    b.step(0)
    assert posted(bus) == [Command(ADVANCE, source="button", text="short")]
    clock.t = 1.0
    b.step(0)
    assert posted(bus) == [Command("back", source="button", text="previous")]
    b.step(0)
    assert warnings == []


def test_the_same_press_means_the_menus_command_in_the_menu():
    clock, warnings = FakeClock(0.0), []
    b, bus = button(ScriptedSource([[("main", True, 0.0)], []]), clock, warnings, context="menu")
    b.step(0)
    clock.t = 1.0
    b.step(0)
    assert posted(bus) == [Command(OFFER_NEXT, source="button", text="long")]


def test_a_missing_device_is_one_warning_and_is_used_once_it_is_plugged_in():
    clock, warnings = FakeClock(0.0), []
    source = ScriptedSource(["missing", "missing", "missing", [("main", True, 0.0), ("main", False, 0.1)]])
    b, bus = button(source, clock, warnings)
    assert [b.step(0) for _ in range(3)] == [False, False, False]
    assert len(warnings) == 1 and "going on with voice and keys" in warnings[0] and "\n" not in warnings[0]
    assert b.step(0)
    assert warnings[1] == "button scripted is back"
    clock.t = 1.0
    b.step(0)
    assert [c.name for c in posted(bus)] == [ADVANCE]


def test_an_unplugged_device_forgets_the_press_it_cut_off_and_comes_back():
    clock, warnings = FakeClock(0.0), []
    source = ScriptedSource([[("main", True, 0.0)], "unplug", "missing", [], []])
    b, bus = button(source, clock, warnings)
    b.step(0)
    assert not b.step(0)  # unplugged in the middle of a press
    assert source.closes == 1 and len(warnings) == 1 and "went away" in warnings[0]
    clock.t = 5.0
    assert not b.step(0) and len(warnings) == 1  # still missing: said once only
    assert b.step(0) and warnings[-1] == "button scripted is back"
    b.step(0)
    assert posted(bus) == []  # the cut-off press never became a long press


def test_a_gpio_pin_that_cannot_be_used_is_said_once_and_not_tried_again():
    clock, warnings = FakeClock(0.0), []
    b, _ = button(ScriptedSource(["missing"], live=False), clock, warnings)
    b._run()  # returns at once: nothing to wait for
    assert b.given_up and len(warnings) == 1 and "used again" not in warnings[0]
