"""What each button gesture asks for, in a session and in the menu.

The defaults make one sentence a person can learn (the language pack's `button_help`): a short
press moves on, a long press pauses or resumes, a double press repeats; a clicker's "previous"
key goes back. `button-map` in the config changes any of it, e.g.
`"double=help, menu.long=more"` (a `menu.` prefix: in the menu; none: in a session).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

from voiceguide.errors import BadInput
from voiceguide.events import ADVANCE, COMMANDS, MENU_COMMANDS, OFFER_NEXT, TAKE, TOGGLE

Context = Literal["session", "menu"]
GESTURES = ("short", "long", "double", "previous")

DEFAULTS: dict[str, dict[str, str]] = {
    "session": {"short": ADVANCE, "long": TOGGLE, "double": "repeat", "previous": "back"},
    "menu": {"short": TAKE, "long": OFFER_NEXT, "double": "repeat", "previous": "back"},
}
ALLOWED: dict[str, tuple[str, ...]] = {
    "session": (*COMMANDS, TOGGLE, ADVANCE),
    "menu": (*COMMANDS, *MENU_COMMANDS, TAKE, OFFER_NEXT),
}


@dataclass(frozen=True)
class ButtonMap:
    session: Mapping[str, str]
    menu: Mapping[str, str]

    def command(self, context: Context, gesture: str) -> str | None:
        table = self.menu if context == "menu" else self.session
        return table.get(gesture)


def parse(text: str | None) -> ButtonMap:
    """The defaults with `text`'s changes; BadInput naming what is wrong and what would be right."""
    tables = {context: dict(table) for context, table in DEFAULTS.items()}
    for item in (text or "").replace(";", ",").split(","):
        item = item.strip()
        if not item:
            continue
        key, sep, command = (part.strip().lower() for part in item.partition("="))
        context, _, gesture = key.rpartition(".")
        context = context or "session"
        if not sep or context not in tables or gesture not in GESTURES:
            raise BadInput(f"button-map: {item!r} is not GESTURE=COMMAND; gestures: {', '.join(GESTURES)}, "
                           f"each optionally prefixed by 'menu.'")
        if command in ("", "none", "nothing"):
            tables[context].pop(gesture, None)
            continue
        if command not in ALLOWED[context]:
            raise BadInput(f"button-map: {command!r} is not a command {'in the menu' if context == 'menu' else 'in a session'}; "
                           f"use one of: {', '.join(ALLOWED[context])}, or none")
        tables[context][gesture] = command
    return ButtonMap(MappingProxyType(tables["session"]), MappingProxyType(tables["menu"]))
