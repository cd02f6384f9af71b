"""Thousands of generated and mutated scripts: the checker never raises, and every problem is one
`FILE:LINE: message` line."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from voiceguide import library
from voiceguide.plan import Names, build_plan
from voiceguide.script.load import check_file

KEYS = ["id", "title", "summary", "language", "minutes", "steps", "say", "pause", "timer", "warn", "end",
        "wait", "audio", "turns", "order", "a", "b", "next"]
WORKDIR = Path(tempfile.mkdtemp(prefix="voiceguide-fuzz-"))
TARGET = WORKDIR / "fuzz.yaml"
LINE = re.compile(r"^" + re.escape(str(TARGET)) + r":\d+: (warning: )?\S.*$")
BUILTINS = [p.read_bytes() for p in sorted(library.builtin_dir().glob("*.yaml"))]

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=True),
    st.text(max_size=30), st.sampled_from(["5s", "1m30s", "{a}", "{speaker}", "next", "chime", "x.wav", "../x.wav",
                                           "{", "}", "{{a}}", "a", "b", "[a, b]"]),
)
data = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=5),
        st.dictionaries(st.one_of(st.sampled_from(KEYS), st.text(max_size=8)), inner, max_size=6),
    ),
    max_leaves=30,
)


def check_bytes(raw: bytes) -> None:
    TARGET.write_bytes(raw)
    exercise, problems = check_file(TARGET)
    for problem in problems:
        text = str(problem)
        assert "\n" not in text.strip() or text.count(f"{TARGET}:") == 1
        assert LINE.match(text.splitlines()[0]), text
    if exercise is not None:
        assert not [p for p in problems if not p.warning]
        build_plan(exercise, Names("A", "B"))  # whatever validates can be played


@settings(max_examples=1000, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.fixed_dictionaries(
    {"id": scalars, "title": scalars, "summary": scalars},
    optional={"steps": st.lists(data, max_size=6), "language": scalars, "minutes": scalars, "extra": data},
))
def test_generated_scripts(doc):
    check_bytes(yaml.safe_dump(doc, allow_unicode=True).encode("utf-8"))


@settings(max_examples=1000, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    st.sampled_from(range(len(BUILTINS))),
    st.lists(
        st.tuples(st.sampled_from(["delete", "insert", "flip", "dupline", "dropline", "indent"]),
                  st.integers(0, 10**6), st.binary(min_size=1, max_size=8)),
        min_size=1, max_size=4,
    ),
)
def test_mutated_builtin_scripts(which, mutations):
    raw = bytearray(BUILTINS[which])
    for op, pos, blob in mutations:
        i = pos % max(1, len(raw))
        if op == "delete":
            del raw[i:i + len(blob) * 3]
        elif op == "insert":
            raw[i:i] = blob
        elif op == "flip":
            raw[i] ^= blob[0] or 1
        else:
            lines = bytes(raw).split(b"\n")
            j = pos % len(lines)
            if op == "dupline":
                lines.insert(j, lines[j])
            elif op == "dropline":
                del lines[j]
            else:
                lines[j] = b"  " + lines[j]
            raw = bytearray(b"\n".join(lines))
    check_bytes(bytes(raw))
