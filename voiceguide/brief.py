"""Values echoed in messages, cut to a readable length.

A message repeats what it was given so that the user sees what was wrong; a value of a megabyte
(a pasted file, a 100 000-digit number) would bury the message itself, so it is shortened."""

from __future__ import annotations

import sys

LIMIT = 60


def brief(value: object, limit: int = LIMIT) -> str:
    """str(value), or its start and how long it was when that is over `limit` characters."""
    text = value if isinstance(value, str) else str(value)
    if len(text) <= limit:
        return text
    return f"{text[: max(1, limit - 20)]}… ({len(text)} characters)"


def brief_repr(value: object, limit: int = LIMIT) -> str:
    """repr(value), shortened the same way (for values whose quotes or type matter)."""
    try:
        text = repr(value)
    except ValueError:  # an int too large to show in decimal
        return f"a number of over {sys.get_int_max_str_digits()} digits"
    return brief(text, limit)
