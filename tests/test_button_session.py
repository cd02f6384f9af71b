"""A whole exercise, and the menu, steered by one button alone (text mode, no voice, no keys)."""

from __future__ import annotations

import io
import json
import threading
import time
from pathlib import Path

from tests.fakes import FakeButtonSource
from voiceguide import history, library
from voiceguide.button.input import ButtonInput
from voiceguide.button.mapping import parse
from voiceguide.events import ADVANCE, OFFER_NEXT, TAKE, TOGGLE
from voiceguide.settings import SessionOptions, Settings


def commands(trace: Path) -> list[dict]:
    return [r for r in map(json.loads, trace.read_text().splitlines()) if r["kind"] == "command"]


def test_a_whole_exercise_played_with_the_button_alone(tmp_path: Path):
    from voiceguide.session import assemble, run

    trace = tmp_path / "t.jsonl"
    out = io.StringIO()
    settings = Settings(button_device="fake button")
    parts = assemble(library.find("presence"), settings,
                     SessionOptions(text=True, listen=False, time_scale=500, trace=trace), stdout=out)
    # At the first wait: hold (pause), press (resume), press twice (repeat), then press on at every wait.
    source = FakeButtonSource(["long", "short", "double"], ready=parts.bus.awaiting_input.is_set, and_then="short")
    button = ButtonInput(parts.bus, source, parse(settings.button_map))
    button.start()
    parts.closers.append(button.stop)
    done: list[str] = []
    player = threading.Thread(target=lambda: done.append(run(parts, record=True)), daemon=True)
    player.start()
    player.join(timeout=90)
    assert done == ["completed"], out.getvalue()[-2000:]
    got = commands(trace)
    assert got and all(c["source"] == "button" for c in got)
    names = [c["name"] for c in got]
    assert names[:3] == [TOGGLE, ADVANCE, "repeat"]
    assert set(names[3:]) == {ADVANCE} and len(names) > 3
    records = [json.loads(line) for line in trace.read_text().splitlines()]
    assert {"kind": "ignored"} not in [{"kind": r["kind"]} for r in records], "every press did something"
    assert "Paused." in out.getvalue()
    [session] = list(history.read())
    assert session.outcome == "completed"


def test_the_menu_and_the_exercise_it_starts_steered_by_one_button(tmp_path: Path, monkeypatch):
    from voiceguide.button import input as button_input
    from voiceguide.menuloop import run_menu

    trace = tmp_path / "menu.jsonl"
    made: list[tuple[FakeButtonSource, object]] = []

    def fake_start(bus, settings, context, *, warn=None):  # type: ignore[no-untyped-def]
        # a short press at the first offer would take it: hold first, for the next one, then press
        # to begin it, then press on through the exercise (and leave the menu after it alone)
        def ready() -> bool:
            return bus.awaiting_input.is_set() and (bool(source.presses) or context() == "session")

        source = FakeButtonSource(["long", "short"], ready=ready, and_then="short")
        button = ButtonInput(bus, source, parse(settings.button_map), context)
        made.append((source, bus))
        button.start()
        return [button]

    monkeypatch.setattr(button_input, "start_button", fake_start)
    out = io.StringIO()
    ended: list[str] = []
    options = SessionOptions(text=True, listen=False, time_scale=500, trace=trace)
    menu = threading.Thread(target=lambda: ended.append(run_menu(
        Settings(button_gpio="17"), options, loop=False, stdin=io.StringIO(""), stdout=out)), daemon=True)
    menu.start()
    def session_ends() -> list[str]:  # a preview (text mode) is not written to the history: read the trace
        if not trace.exists():
            return []
        records = [json.loads(line) for line in trace.read_text().splitlines() if line.strip()]
        return [r["reason"] for r in records if r.get("kind") == "end" and r.get("reason") != "chosen"]

    deadline = time.monotonic() + 90
    while not session_ends() and time.monotonic() < deadline and menu.is_alive():
        time.sleep(0.05)
    assert session_ends() == ["completed"], out.getvalue()[-2000:]
    source, bus = made[0]
    source.and_then = None  # the exercise is over: the button is left alone now
    assert menu.is_alive(), "the menu must wait for the button: stdin ended, but a button can still come"
    from voiceguide.events import Command

    bus.post(Command("stop", source="keys"))  # type: ignore[attr-defined]
    menu.join(timeout=30)
    assert ended == ["goodbye"]
    text = out.getvalue()
    assert "Press the button once for" in text
    got = commands(trace)
    assert [c["name"] for c in got[:2]] == [OFFER_NEXT, TAKE]
    assert all(c["source"] == "button" for c in got[:-1])
    assert {c["name"] for c in got[2:-1]} <= {ADVANCE}
    chosen = [json.loads(line) for line in trace.read_text().splitlines() if '"menu_choice"' in line]
    assert len(chosen) == 1
    assert not list(history.read()), "a preview is not a session the couple did"
