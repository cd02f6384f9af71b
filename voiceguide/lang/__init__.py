"""Per-language data: command phrases, distractor words and the guide's own lines."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from types import MappingProxyType
from typing import Mapping

import yaml

from voiceguide.errors import BadInput
from voiceguide.events import COMMANDS


@dataclass(frozen=True)
class SystemLines:
    """What the guide says on its own, outside any script."""

    ready: str  # said whenever the session waits for "next"
    paused: str
    confirm_stop: str
    carry_on: str  # said when a stop question is left unanswered, before the session goes on
    closing: str
    stopped: str
    first_step: str
    help: str
    no_model: str
    mic_lost: str
    mic_back: str
    mic_test: str  # `voiceguide mic-test` asks for a command
    safety: str  # said on a couple's first session, under "help", and from the menu
    end_early: str  # how to end a turn before its time is up: said once, before the first timed turn
    button_help: str = ""  # added to `help` when a button is configured: its default mapping
    end_early_button: str = ""  # `end_early` when a button is configured: the word and the press

    @property
    def spoken_help(self) -> str:
        """What "help" says during a session: the commands, and the safety line again."""
        return f"{self.help} {self.safety}"


@dataclass(frozen=True)
class MenuLines:
    """What the voice menu says and hears, beyond the session commands."""

    more: tuple[str, ...]
    numbers: tuple[str, ...]  # "one", "two", ... : the n-th word picks exercise n
    greeting: str
    last_time: str
    suggest: str
    suggest_new: str  # the suggestion has never been done: "not for a while" would not be true
    item: str
    offer: str
    offer_all: str
    join: str
    confirm: str
    another: str
    goodbye: str
    help: str
    about: str  # the menu item that says the safety line again
    button_offer: str = ""  # with a button: after the offer, what a press takes ({title})
    button_help: str = ""  # added to `help` when a button is configured


@dataclass(frozen=True)
class LanguagePack:
    code: str
    name: str
    voice: str
    names: tuple[str, str]
    commands: Mapping[str, tuple[str, ...]]
    distractors: tuple[str, ...]
    lines: SystemLines
    menu: MenuLines
    # How the guide thanks the couple (lower case, found anywhere in a line): the closing line
    # already does, so `check` warns when a script's last line does too.
    thanks: tuple[str, ...] = ()

    def phrases(self) -> list[str]:
        """Every command phrase, in command order."""
        return [p for phrases in self.commands.values() for p in phrases]

    def command_words(self) -> set[str]:
        """Every word of every command phrase (lower case): the words a spoken line should avoid,
        since the listener could hear the guide say them."""
        return {w for p in self.phrases() for w in p.lower().split()}

    def command_for(self, phrase: str) -> str | None:
        phrase = " ".join(phrase.lower().split())
        for name, phrases in self.commands.items():
            if phrase in phrases:
                return name
        return None


def available() -> list[str]:
    return sorted(p.name.removesuffix(".yaml") for p in resources.files(__name__).iterdir() if p.name.endswith(".yaml"))


@cache
def load_pack(code: str) -> LanguagePack:
    if code not in available():
        raise BadInput(f"no language pack for {code!r}; available: {', '.join(available())}")
    data = yaml.safe_load(resources.files(__name__).joinpath(f"{code}.yaml").read_text("utf-8"))
    commands = {name: tuple(str(p) for p in data["commands"][name]) for name in COMMANDS}
    return LanguagePack(
        code=data["code"],
        name=data["name"],
        voice=data["voice"],
        names=tuple(data["names"]),  # type: ignore[arg-type]
        commands=MappingProxyType(commands),
        distractors=tuple(str(w) for w in data["distractors"]),
        lines=SystemLines(**data["lines"]),
        menu=_menu(data["menu"]),
        thanks=tuple(str(w).lower() for w in data.get("thanks", ())),
    )


def _menu(data: dict) -> MenuLines:
    words = {"more", "numbers"}
    return MenuLines(
        more=tuple(str(w) for w in data["more"]),
        numbers=tuple(str(w) for w in data["numbers"]),
        **{k: str(v) for k, v in data.items() if k not in words},
    )
