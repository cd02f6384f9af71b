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


WORD = 200  # a run of this many characters without a space is a pasted value, not prose
MESSAGE = 2000


def brief_message(message: str) -> str:
    """A whole message with every overlong run of characters shortened in place (so its words
    around the value stay), and the message itself capped."""
    words = message.split(" ")
    if any(len(word) > WORD for word in words):
        message = " ".join(brief(word, WORD // 2) if len(word) > WORD else word for word in words)
    if len(message) > MESSAGE:
        message = f"{message[: MESSAGE - 100]}… ({len(message)} characters) …{message[-60:]}"
    return message
