"""termtext: what a terminal would obey is shown escaped, everything else is left as it is."""

from __future__ import annotations

import json

import pytest

from voiceguide.termtext import json_printable, printable


@pytest.mark.parametrize("raw, shown", [
    ("\x1b[2J", "\\x1b[2J"),
    ("\x1b]0;title\x07", "\\x1b]0;title\\x07"),
    ("a\x9b31mb", "a\\x9b31mb"),
    ("a\rb", "a\\x0db"),
    ("x\x7fy", "x\\x7fy"),
    ("abc\u202edef", "abc\\u202edef"),
    ("\u2066x\u2069", "\\u2066x\\u2069"),
    ("one\ntwo\tthree\n", "one two three "),
])
def test_controls_are_shown_escaped(raw, shown):
    assert printable(raw) == shown


@pytest.mark.parametrize("text", ["Time to connect", "함께 있기", "Café — “quoted” ✓", "emoji 🙂", "{a} and {b}"])
def test_ordinary_text_is_untouched(text):
    assert printable(text) == text


def test_lines_keeps_newlines_and_tabs_only():
    assert printable("one\ntwo\tthree\x1b", lines=True) == "one\ntwo\tthree\\x1b"


def test_json_stays_json_and_means_the_same():
    value = {"title": "a\x1b[2J\x9b\u202e\nb", "n": 1}
    dumped = json_printable(json.dumps(value, ensure_ascii=False, indent=2))
    assert json.loads(dumped) == value
    assert not any(ch in dumped for ch in "\x1b\x9b\u202e")
