"""The voice menu: every path, driven by hand; and `voiceguide menu` with scripted stdin."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from voiceguide import history
from voiceguide.events import Choice, Chosen, Command, Expect, InputClosed, PlaybackDone, Speak
from voiceguide.lang import load_pack
from voiceguide.menu import Menu, MenuItem
from voiceguide.menuloop import remembered, tried

LINES = load_pack("en").menu
ITEMS = [MenuItem("presence", "Presence", 16.2), MenuItem("start-small", "Start small", 11.0),
         MenuItem("connect", "Connect", 20.0), MenuItem("needs-sharing", "Sharing needs", 15.0)]


def said(actions) -> list[str]:
    return [a.text for a in actions if isinstance(a, Speak)]


def test_greets_and_offers_the_first_few():
    menu = Menu(ITEMS, LINES)
    [text] = said(menu.start(0))
    assert text.startswith(LINES.greeting)
    assert "one for Presence, two for Start small, three for Connect, or more." in text
    assert "Sharing needs" not in text
    assert menu.awaiting_input


def test_choose_by_name_confirm_and_begin():
    menu = Menu(ITEMS, LINES)
    menu.start(0)
    assert said(menu.handle(Choice(menu.match("start small")), 0)) == [
        "Start small, about 11 minutes. Say next to begin, or previous to choose another."]
    out = menu.handle(Command("next"), 0)
    assert Chosen("start-small") in out
    assert menu.ended and menu.end_reason == "chosen" and menu.chosen == "start-small"


@pytest.mark.parametrize("heard,expected", [
    ("Presence", "presence"), ("presence", "presence"), ("  PRESENCE ", "presence"), ("sharing needs", "needs-sharing"),
    ("needs-sharing", "needs-sharing"), ("two", "start-small"), ("4", "needs-sharing"), ("five", None), ("0", None),
    ("", None), ("hello", None),
])
def test_match_titles_ids_and_numbers(heard, expected):
    assert Menu(ITEMS, LINES).match(heard) == expected


def test_more_pages_through_and_wraps_round():
    menu = Menu(ITEMS, LINES)
    menu.start(0)
    [page2] = said(menu.handle(Command("more"), 0))
    assert page2 == "Say four for Sharing needs, or more."
    [page1] = said(menu.handle(Command("more"), 0))
    assert "one for Presence" in page1


def test_repeat_says_the_offer_or_the_confirmation_again():
    menu = Menu(ITEMS, LINES)
    menu.start(0)
    assert "one for Presence" in said(menu.handle(Command("repeat"), 0))[0]
    menu.handle(Choice("connect"), 0)
    assert said(menu.handle(Command("repeat"), 0))[0].startswith("Connect, about 20 minutes")


def test_while_a_choice_is_confirmed_the_listener_hears_only_the_commands():
    """Titles and numbers could take the "next" that begins it (see voiceguide/menu.py)."""
    menu = Menu(ITEMS, LINES)
    offering = Expect({"more": ["more"]}, menu.vocabulary())
    start = menu.start(0)
    assert start[0] == offering and isinstance(start[1], Speak)  # the vocabulary first, then the words
    assert "choose:connect" in offering.choices
    out = menu.handle(Command("choose:connect"), 0)
    assert out[0] == Expect({}, {}) and said(out)[0].startswith("Connect, about 20 minutes")
    assert not any(isinstance(a, Expect) for a in menu.handle(Command("repeat"), 0))  # unchanged: not asked again
    out = menu.handle(Command("back"), 0)
    assert out[0] == offering
    assert menu.confirming is None


def test_help_while_confirming_says_the_confirmation_again():
    menu = Menu(ITEMS, LINES)
    menu.start(0)
    assert said(menu.handle(Command("help"), 0)) == [LINES.help]
    menu.handle(Choice("connect"), 0)
    assert said(menu.handle(Command("help"), 0)) == [
        "Connect, about 20 minutes. Say next to begin, or previous to choose another."]


def test_back_while_confirming_offers_the_same_exercises_again():
    menu = Menu(ITEMS, LINES)
    menu.start(0)
    menu.handle(Command("more"), 0)
    menu.handle(Command("choose:needs-sharing"), 0)
    assert said(menu.handle(Command("back"), 0)) == ["Say four for Sharing needs, or more."]
    assert "one for Presence" in said(menu.handle(Command("back"), 0))[0]  # offering: back a page


def test_another_choice_replaces_the_one_being_confirmed():
    menu = Menu(ITEMS, LINES)
    menu.start(0)
    menu.handle(Choice("connect"), 0)
    menu.handle(Choice("presence"), 0)
    assert Chosen("presence") in menu.handle(Command("next"), 0)


def test_silence_is_left_alone():
    menu = Menu(ITEMS, LINES)
    menu.start(0)
    assert menu.wakeup_at is None  # no timer: nothing is said until someone asks


def test_stop_says_goodbye_and_ends():
    menu = Menu(ITEMS, LINES)
    menu.start(0)
    out = menu.handle(Command("stop"), 0)
    [bye] = [a for a in out if isinstance(a, Speak)]
    assert bye.text == LINES.goodbye
    assert not menu.ended
    menu.handle(PlaybackDone(bye.token), 0)
    assert menu.ended and menu.end_reason == "goodbye"


def test_in_loop_mode_goodbye_waits_quietly_for_the_next_time():
    menu = Menu(ITEMS, LINES, loop=True)
    menu.start(0)
    bye = [a for a in menu.handle(Command("stop"), 0) if isinstance(a, Speak)][0]
    menu.handle(PlaybackDone(bye.token), 0)
    assert not menu.ended and menu.idle and menu.awaiting_input
    assert "one for Presence" in said(menu.handle(Command("repeat"), 0))[0]
    menu.handle(Choice("presence"), 0)
    assert Chosen("presence") in menu.handle(Command("next"), 0)


def test_after_a_session_it_offers_another_and_more_lists_from_the_start():
    menu = Menu(ITEMS, LINES, after_session=True)
    assert said(menu.start(0)) == [LINES.another]
    assert "one for Presence" in said(menu.handle(Command("more"), 0))[0]


def test_remembers_the_last_and_suggests_one_not_done_for_a_while():
    now = 2_000_000_000.0
    history.append(history.Session("connect", "Connect", now - 40 * 86400, 600, "completed"))
    history.append(history.Session("start-small", "Start small", now - 30 * 86400, 600, "completed"))
    history.append(history.Session("presence", "Presence", now - 86400, 600, "completed"))
    last, suggestion = remembered(ITEMS, now)
    assert last == "presence"
    assert suggestion == "needs-sharing"  # never done comes first
    menu = Menu(ITEMS, LINES, last=last, suggestion=suggestion, suggestion_new=not tried(suggestion))
    text = said(menu.start(0))[0]
    assert "Last time, you did Presence." in text and "You haven't tried Sharing needs yet." in text


def test_nothing_to_remember_on_the_first_evening():
    assert remembered(ITEMS) == (None, None)


def test_input_closed_ends_the_menu():
    menu = Menu(ITEMS, LINES)
    menu.start(0)
    menu.handle(InputClosed(), 0)
    assert menu.ended and menu.end_reason == "goodbye"


def run_menu_cli(stdin: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "voiceguide", "menu", "--text", "--time-scale", "1000", *args],
                          input=stdin, capture_output=True, text=True, timeout=120)


def test_menu_cli_chooses_by_title_plays_and_chooses_again_by_number(tmp_path):
    trace = tmp_path / "m.jsonl"
    result = run_menu_cli("Presence\nnext\n" + "next\n" * 3 + "2\nnext\nstop\nstop\nstop\n",
                          "--trace", str(trace))
    assert result.returncode == 0, result.stderr
    records = [json.loads(l) for l in trace.read_text().splitlines()]
    choices = [r["id"] for r in records if r["kind"] == "menu_choice"]
    assert choices[0] == "presence" and len(choices) == 2
    ends = [r["reason"] for r in records if r["kind"] == "end"]
    assert ends == ["completed", "stopped"]
    # the choice is recorded before its session starts
    first_step = next(i for i, r in enumerate(records) if r["kind"] == "step")
    assert records.index(next(r for r in records if r["kind"] == "menu_choice")) < first_step
    assert "Goodbye for now" in result.stdout
    assert list(history.read()) == []  # read as text, with timers shortened: previews, not sessions


def test_menu_cli_ends_when_stdin_ends_with_voice_off():
    result = run_menu_cli("", "--no-listen")
    assert result.returncode == 0, result.stderr


def test_an_announcement_is_said_in_the_menu_too():
    from voiceguide.events import Announce

    menu = Menu(ITEMS, LINES)
    menu.start(0)
    assert said(menu.handle(Announce("The microphone is back."), 0)) == ["The microphone is back."]
    assert not menu.ended


def test_only_an_exercise_done_before_is_not_done_for_a_while():
    now = 2_000_000_000.0
    for item, days in zip(ITEMS, (40, 30, 20, 1)):
        history.append(history.Session(item.id, item.title, now - days * 86400, 600, "completed"))
    last, suggestion = remembered(ITEMS, now)
    assert suggestion == "presence" and tried(suggestion)
    text = said(Menu(ITEMS, LINES, last=last, suggestion=suggestion, suggestion_new=not tried(suggestion)).start(0))[0]
    assert "You haven't done Presence for a while." in text and "tried" not in text


def test_the_menu_says_the_length_that_list_shows():
    import re

    from click.testing import CliRunner

    from voiceguide.cli import cli
    from voiceguide.menuloop import menu_items
    from voiceguide.settings import Settings

    listed = CliRunner().invoke(cli, ["list"]).stdout
    shown = {line.split()[0]: int(re.search(r"~(\d+) min", line).group(1)) for line in listed.splitlines()}
    items = menu_items(load_pack("en"), Settings())
    assert len(items) >= 5
    for item in items:
        menu = Menu(items, LINES)
        menu.start(0)
        [confirm] = said(menu.handle(Choice(item.id), 0))
        assert f"about {shown[item.id]} minutes" in confirm, (item.id, confirm)


def test_the_last_item_says_the_safety_line_again_and_offers_the_same_exercises():
    safety = load_pack("en").lines.safety
    menu = Menu(ITEMS[:2], LINES, safety=safety)
    [text] = said(menu.start(0))
    assert "three for About these exercises." in text
    [again] = said(menu.handle(Choice(menu.match("about these exercises")), 0))
    assert again.startswith(safety) and again.endswith("Say one for Presence, two for Start small, "
                                                       "three for About these exercises.")
    assert not menu.ended and menu.confirming is None
    assert said(menu.handle(Choice(menu.match("3")), 0)) == [again]  # by its number too


def test_without_a_safety_line_there_is_no_about_item():
    assert [i.id for i in Menu(ITEMS, LINES).items] == [i.id for i in ITEMS]


def test_the_menu_offers_light_exercises_first(tmp_path):
    from voiceguide.menuloop import menu_items
    from voiceguide.settings import Settings

    for ident, depth in (("aa-deep", "deep"), ("bb-light", "light"), ("cc-plain", None), ("dd-light", "light")):
        head = f"id: {ident}\ntitle: {ident}\nsummary: A test.\n" + (f"depth: {depth}\n" if depth else "")
        (tmp_path / f"{ident}.yaml").write_text(head + "steps:\n  - say: Hello.\n", encoding="utf-8")
    ids = [i.id for i in menu_items(load_pack("en"), Settings(), (tmp_path,))]
    mine = [i for i in ids if i[:3] in ("aa-", "bb-", "cc-", "dd-")]
    assert mine == ["bb-light", "dd-light", "cc-plain", "aa-deep"]
    builtin_light = {"presence", "start-small", "connect", "daily-check-in", "appreciation"}
    assert set(ids[:3]) <= builtin_light | {"bb-light", "dd-light"}
    assert ids.index("compassion") > max(ids.index(i) for i in builtin_light)


def test_menu_cli_offers_light_exercises_first_and_says_the_safety_line_on_request():
    result = run_menu_cli("about these exercises\nstop\n", "--no-listen")
    assert result.returncode == 0, result.stderr
    first, again = result.stdout.splitlines()[:2]
    assert "Say one for Appreciation exchange, two for Time to connect, three for Daily check-in, or more." in first
    assert again.startswith(load_pack("en").lines.safety)
