"""`{a}`, `{b}`, `{speaker}` and `{listener}` in spoken text.

Substitution is a plain lookup, never `str.format`: a script must not be able to reach attributes
or format specs through its text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

_TOKEN = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")
PARTNER_NAMES = ("a", "b")
TURN_NAMES = ("speaker", "listener")


class PlaceholderProblem(ValueError):
    pass


def placeholders(text: str) -> list[str]:
    """The placeholder names in `text`; a lone brace is a problem ({{ and }} are literal braces)."""
    names = []
    for match in _TOKEN.finditer(text):
        token = match.group(0)
        if token in ("{{", "}}"):
            continue
        if match.group(1) is None:
            raise PlaceholderProblem(
                f"a lone '{token}' in {text!r}: write {{{{ or }}}} for a literal brace"
            )
        names.append(match.group(1))
    return names


def fill(text: str, values: Mapping[str, str]) -> str:
    """Replace every known placeholder; unknown ones stay as they are (the checker reports them)."""

    def replace(match: re.Match[str]) -> str:
        token = match.group(0)
        if token == "{{":
            return "{"
        if token == "}}":
            return "}"
        name = match.group(1)
        if name is not None and name in values:
            return values[name]
        return token

    return _TOKEN.sub(replace, text)
