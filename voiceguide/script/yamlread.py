"""Read YAML as plain data plus the line of every value, refusing anything that is not plain data.

Scripts come from other people: they must load without running code, without exploding through
aliases, and every problem must point at a line.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

try:  # the C parser is much faster on large input
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

Path = tuple[Any, ...]
_PLAIN_TAGS = {"tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"}
MAX_DEPTH = 40  # a script nests six levels at most; anything deeper is not a script, and recursion has limits
TOO_DEEP = f"nests more than {MAX_DEPTH} levels deep, far deeper than any exercise script"
_INDENT_PROBLEMS = ("did not find expected", "mapping values are not allowed", "expected <block end>")
_OPENS_WITH_BRACE = re.compile(r"^\s*(?:-\s+)?(?:[\w-]+\s*:\s+)?\{")


class YamlProblem(Exception):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


def read_yaml(text: str) -> tuple[Any, dict[Path, int]]:
    """Return (data, lines) where lines maps a path of keys/indexes to its 1-based line."""
    try:
        for event in yaml.parse(text, Loader=_Loader):
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                raise YamlProblem(
                    event.start_mark.line + 1,
                    "anchors and aliases (& and *) are not allowed in exercise scripts; write the text out",
                )
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        problem = str(exc.problem or exc.context)
        column = mark.column if mark else 0
        if "maximum nesting depth" in problem:  # PyYAML 6.0.4 and later stop deep nesting themselves
            raise YamlProblem(line, TOO_DEEP) from None
        raise YamlProblem(line, f"invalid YAML: {problem}{_hint(problem, text, line, column)}") from None
    except yaml.reader.ReaderError as exc:
        line = text[: exc.position].count("\n") + 1 if isinstance(exc.position, int) else 1
        raise YamlProblem(line, f"invalid YAML: the character U+{exc.character:04X} is not allowed in YAML text; "
                                "remove it") from None
    except yaml.YAMLError as exc:
        raise YamlProblem(1, f"invalid YAML: {' '.join(str(exc).split())}") from None
    if node is None:
        raise YamlProblem(1, "the file is empty: an exercise needs id, title, summary and steps")
    lines: dict[Path, int] = {}
    constructor = _Loader("")
    data = _convert(node, (), lines, constructor)
    return data, lines


def _hint(problem: str, text: str, line: int, column: int) -> str:
    """The parser's words name what it expected, not what the author did; the three mistakes
    behind most of them get a plain sentence."""
    all_lines = text.splitlines()
    here = all_lines[line - 1] if 0 < line <= len(all_lines) else ""
    near = all_lines[max(line - 2, 0) : line]
    if "tab character" in problem or "\t" in here[: len(here) - len(here.lstrip())]:
        return "; indent with spaces: YAML does not allow tabs for indentation"
    if any(_OPENS_WITH_BRACE.match(s) for s in near):
        return "; a text that begins with { (such as {speaker}) must be in quotes: say: \"{speaker}, ...\""
    if problem.startswith("mapping values") and ": " in here[:column].lstrip(" -"):
        return "; a text with ': ' in it must be in quotes: say: \"Remember: slowly.\""
    if problem.startswith(_INDENT_PROBLEMS):
        return (f"; check the indentation of line {line} and the line above it: the keys of one step, and the "
                "items of one list, must start in the same column")
    return ""


def _convert(node: yaml.Node, path: Path, lines: dict[Path, int], constructor: Any) -> Any:
    line = node.start_mark.line + 1
    lines[path] = line
    if len(path) > MAX_DEPTH:
        raise YamlProblem(line, TOO_DEEP)
    if isinstance(node, (yaml.MappingNode, yaml.SequenceNode)) and node.tag not in _PLAIN_TAGS:
        raise YamlProblem(line, f"unsupported tag {node.tag!r}: scripts hold plain text, numbers, lists and mappings")
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = _convert(key_node, path + ("<key>",), {}, constructor)
            key_line = key_node.start_mark.line + 1
            if not isinstance(key, str):
                raise YamlProblem(key_line, f"keys must be words, not {key!r}")
            if key in result:
                raise YamlProblem(key_line, f"the key '{key}' appears twice in the same block")
            result[key] = _convert(value_node, path + (key,), lines, constructor)
            lines[path + (key,)] = key_line
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_convert(item, path + (i,), lines, constructor) for i, item in enumerate(node.value)]
    try:
        return constructor.construct_object(node, deep=True)
    except yaml.YAMLError as exc:
        problem = getattr(exc, "problem", None) or str(exc)
        raise YamlProblem(line, f"unsupported value: {problem}") from None
    except (ValueError, ArithmeticError):
        # Python refuses to turn a number of more than 4300 digits into an int, for one
        value = str(node.value)
        digits = sum(c.isdigit() for c in value)
        what = f"a number of {digits} digits" if digits > 100 else _short(value)
        raise YamlProblem(line, f"unsupported value: {what} is far too large for an exercise script") from None


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text)} characters)"
