"""Text from files and options, made safe to print on a terminal.

A title, a spoken line, a partner's name or a file name can hold an escape sequence that clears
the screen, retitles the window, hides the text after it or reorders it (bidirectional overrides).
Everything voiceguide prints that came from outside goes through `printable`, which keeps the
text readable and shows each such character escaped (`\\x1b`, `\\u202e`) instead of obeying it.
"""

from __future__ import annotations

import re

# C0 controls (tab and newline are decided by the caller), DEL, C1 controls (0x9b alone starts a
# CSI on many terminals), the bidirectional marks and overrides, line and paragraph separators,
# and the byte-order mark, which is invisible.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ufeff]")
_UNSAFE_WITH_BREAKS = re.compile("[\t\n" + _UNSAFE.pattern[1:])


def _escaped(match: re.Match[str]) -> str:
    char = match.group(0)
    if char in "\t\n":  # a folded or literal YAML block: plain layout, nothing to obey
        return " "
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: object, *, lines: bool = False) -> str:
    """`text` with every control character, escape and invisible reordering mark shown escaped.

    With `lines=True`, newlines and tabs are kept (a message of several lines); otherwise each
    becomes a space, so one field always stays on one line."""
    return (_UNSAFE if lines else _UNSAFE_WITH_BREAKS).sub(_escaped, str(text))


def json_printable(dumped: str) -> str:
    """A JSON document from `json.dumps(..., ensure_ascii=False)` with the characters that JSON
    leaves raw but a terminal obeys (C1 controls, bidirectional overrides) written as \\u escapes.
    JSON already escapes the C0 controls, and these characters only occur inside strings, so
    the document means exactly what it meant."""
    return _UNSAFE.sub(lambda m: f"\\u{ord(m.group(0)):04x}", dumped)
