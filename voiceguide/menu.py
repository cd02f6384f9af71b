"""The voice menu as a pure state machine, like the session engine: events in, actions out.

It offers the exercises a few at a time, hears a title, a number or "more", confirms the choice,
and hands the chosen id back when someone says "next". It never speaks on its own after the first
offer: a couple who falls silent is left in peace until they ask ("repeat").

While it confirms a choice it listens for the commands alone ("back" returns to the offer): the
titles and numbers are out of the listener's vocabulary then, so that none of them can take the
"next" that begins the exercise. Measured with the Korean model and espeak-ng's 다음 (5 voices ×
3 speeds × 10 onsets, fed at 44.1 kHz as the sound card gives it): with the menu's words it was
taken 37 times in 150, and mostly heard as 둘, 넷 or 더 otherwise; with the commands alone, 113 in 150.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from voiceguide.events import (
    OFFER_NEXT,
    TAKE,
    TOGGLE,
    Action,
    Announce,
    Asking,
    Choice,
    Chosen,
    Command,
    Event,
    Expect,
    Ignored,
    InputClosed,
    PlaybackDone,
    Speak,
    StopAudio,
    Talk,
    Tick,
)
from voiceguide.lang import MenuLines
from voiceguide.timing import whole_minutes

PAGE = 3
# Voice commands that name an exercise: "choose:<id>".
CHOOSE = "choose:"
# The item that says the safety line again; no exercise id can look like it (ids have no colon).
ABOUT = ":about"

MenuEnd = Literal["chosen", "goodbye"]


@dataclass(frozen=True)
class MenuItem:
    id: str
    title: str
    minutes: float


def normalise(text: str) -> str:
    """Titles and what was heard, compared without case, accents, punctuation or extra spaces."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(re.sub(r"[^\w\s]", " ", text).split())


class Menu:
    def __init__(
        self,
        items: list[MenuItem],
        lines: MenuLines,
        *,
        after_session: bool = False,
        last: str | None = None,
        suggestion: str | None = None,
        suggestion_new: bool = False,
        loop: bool = False,
        page_size: int = PAGE,
        tokens: Iterator[int] | None = None,
        safety: str | None = None,
        button: bool = False,
    ) -> None:
        if not items:
            raise ValueError("the menu needs at least one exercise")
        self.safety = safety
        # With a safety line, the last item says it again: a couple can ask for it any time.
        self.items = [*items, MenuItem(ABOUT, lines.about, 0.0)] if safety else list(items)
        self.lines = lines
        self.after_session = after_session
        self.last = last
        self.suggestion = suggestion
        self.suggestion_new = suggestion_new  # never done: "not tried yet", not "not for a while"
        self.loop = loop
        self.page_size = page_size
        self.page = 0
        self.confirming: MenuItem | None = None
        self.chosen: str | None = None
        self.end_reason: MenuEnd | None = None
        self.ended = False
        self.idle = False  # kiosk mode after goodbye: quiet until someone speaks
        self._tokens = tokens or itertools.count(1)
        self._leaving: int | None = None  # the goodbye line's token
        self._shown = False  # has any page of exercises been offered yet?
        self._asking = Asking()
        # With one button: the exercise a short press takes (the suggestion, else the one after
        # the last played), named after the greeting; a long press offers the one after it.
        self.button = button
        ids = [i.id for i in items]
        if suggestion in ids:
            self.offered = ids.index(suggestion)  # type: ignore[arg-type]
        elif last in ids:
            self.offered = (ids.index(last) + 1) % len(items)  # type: ignore[arg-type]
        else:
            self.offered = 0

    # ---- the same surface as the session engine, so the same runner drives both -----------

    wakeup_at: float | None = None

    @property
    def awaiting_input(self) -> bool:
        return not self.ended and self._leaving is None

    def start(self, now: float) -> list[Action]:
        return self._listen(self._start())

    def handle(self, event: Event, now: float) -> list[Action]:
        return self._listen(self._handle(event))

    def _listen(self, actions: list[Action]) -> list[Action]:
        """Ask the listener for what can be said now, before anything is said (when it changed)."""
        if self.ended:
            return actions
        return self._asking.before(self.expected(), actions)

    def expected(self) -> Expect:
        """What can be said now besides the commands."""
        if self.confirming is not None:
            return Expect({}, {})
        return Expect({"more": list(self.lines.more)}, self.vocabulary())

    def _start(self) -> list[Action]:
        if self.after_session:
            return [self._say(" ".join([self.lines.another, *self._button_offer()]))]
        parts = [self.lines.greeting]
        titles = {i.id: i.title for i in self.items}
        if self.last in titles:
            parts.append(self.lines.last_time.format(title=titles[self.last]))
        if self.suggestion in titles and self.suggestion != self.last:
            suggest = self.lines.suggest_new if self.suggestion_new else self.lines.suggest
            parts.append(suggest.format(title=titles[self.suggestion]))
        parts.append(self._offer_text())
        parts += self._button_offer()
        self._shown = True
        return [self._say(" ".join(parts))]

    def _button_offer(self) -> list[str]:
        if not self.button or not self.lines.button_offer:
            return []
        return [self.lines.button_offer.format(title=self.items[self.offered].title)]

    def _handle(self, event: Event) -> list[Action]:
        if self.ended:
            return []
        if isinstance(event, PlaybackDone):
            if event.token == self._leaving:
                self._leaving = None
                if self.loop:
                    self.idle = True
                    return []
                return self._end("goodbye")
            return []
        if isinstance(event, InputClosed):
            return [StopAudio()] + self._end("goodbye")
        if isinstance(event, Choice):
            return self._choose(event.id)
        if isinstance(event, Command):
            return self._command(event.name)
        if isinstance(event, Announce):  # the microphone went away or came back
            return [StopAudio(), self._say(event.text)]
        if isinstance(event, (Tick, Talk)):  # the menu acts on every word at once: talk changes nothing
            return []
        raise TypeError(f"unknown event {event!r}")

    # ---- inner workings ----------------------------------------------------------------------

    def _say(self, text: str) -> Speak:
        return Speak(text, next(self._tokens), system=True)

    def _end(self, reason: MenuEnd) -> list[Action]:
        self.ended = True
        self.end_reason = reason
        return []

    def _pages(self) -> int:
        return (len(self.items) + self.page_size - 1) // self.page_size

    def _offer_text(self) -> str:
        start = self.page * self.page_size
        shown = self.items[start : start + self.page_size]
        words = self.lines.numbers
        items = self.lines.join.join(
            self.lines.item.format(number=words[start + i] if start + i < len(words) else start + i + 1, title=item.title)
            for i, item in enumerate(shown)
        )
        template = self.lines.offer_all if self._pages() == 1 else self.lines.offer
        return template.format(items=items)

    def _choose(self, ident: str) -> list[Action]:
        item = next((i for i in self.items if i.id == ident), None)
        if item is None:
            return [Ignored(f"choose {ident}", "no such exercise")]
        self.idle = False
        if item.id == ABOUT:  # said, then the same exercises offered again
            self.confirming = None
            self._shown = True
            return [StopAudio(), self._say(f"{self.safety} {self._offer_text()}")]
        self.confirming = item
        minutes = whole_minutes(item.minutes)  # rounded as `list` rounds it
        return [StopAudio(), self._say(self.lines.confirm.format(title=item.title, minutes=minutes))]

    def _command(self, name: str) -> list[Action]:
        if name.startswith(CHOOSE):  # a title or number heard by the listener
            return self._choose(name[len(CHOOSE):])
        if name == TOGGLE:
            name = "pause"
        if name == TAKE:  # one button: yes to what was just named
            if self.confirming is None:
                return self._choose(self.items[self.offered].id)
            name = "next"
        if name == OFFER_NEXT:
            current = self.items.index(self.confirming) if self.confirming is not None else self.offered
            self.offered = (current + 1) % len(self.items)
            return self._choose(self.items[self.offered].id)
        if name == "next":
            if self.confirming is not None:
                self.chosen = self.confirming.id
                return [StopAudio(), Chosen(self.chosen)] + self._end("chosen")
            return self._more()
        if name == "more":
            return self._more()
        if name == "repeat":
            self.idle = False
            if self.confirming is not None:
                return self._choose(self.confirming.id)
            self._shown = True
            return [StopAudio(), self._say(self._offer_text())]
        if name == "back":
            if self.confirming is not None:  # not this one: the same exercises again
                self.confirming = None
            else:
                self.page = (self.page - 1) % self._pages()
            return [StopAudio(), self._say(self._offer_text())]
        if name == "help":
            if self.confirming is not None:  # its own line says what can be said now
                return self._choose(self.confirming.id)
            return [StopAudio(), self._say(self.lines.help)]
        if name == "stop":
            if self.idle:
                return [Ignored(name, "already said goodbye")]
            self.confirming = None
            token = self._say(self.lines.goodbye)
            self._leaving = token.token
            return [StopAudio(), token]
        return [Ignored(name, "nothing to do in the menu")]

    def _more(self) -> list[Action]:
        self.idle = False
        self.confirming = None
        if self._shown:
            self.page = (self.page + 1) % self._pages()
        self._shown = True
        return [StopAudio(), self._say(self._offer_text())]

    def vocabulary(self) -> dict[str, list[str]]:
        """What can be said for each exercise while the menu listens: its title and its number."""
        words: dict[str, list[str]] = {}
        for i, item in enumerate(self.items):
            said = [normalise(item.title)]
            if i < len(self.lines.numbers):
                said.append(normalise(self.lines.numbers[i]))
            words[CHOOSE + item.id] = said
        return words

    def match(self, heard: str) -> str | None:
        """The exercise id a heard phrase or typed line names: title, id or number."""
        text = normalise(heard)
        if not text:
            return None
        for item in self.items:
            if text in (normalise(item.title), normalise(item.id), normalise(item.id.replace("-", " "))):
                return item.id
        numbers = [normalise(n) for n in self.lines.numbers]
        if text in numbers:
            index = numbers.index(text)
        elif text.isdigit():
            index = int(text) - 1
        else:
            return None
        return self.items[index].id if 0 <= index < len(self.items) else None
