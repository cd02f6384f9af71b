"""Read YAML as plain data plus the line of every value, refusing anything that is not plain data.

Scripts come from other people: they must load without running code, without exploding through
aliases, and every problem must point at a line.
"""

from __future__ import annotations

from typing import Any

import yaml

try:  # the C parser is much faster on large input
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

Path = tuple[Any, ...]
_PLAIN_TAGS = {"tag:yaml.org,2002:map", "tag:yaml.org,2002:seq"}


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
        raise YamlProblem(line, f"invalid YAML: {exc.problem or exc.context}") from None
    except yaml.YAMLError as exc:
        raise YamlProblem(1, f"invalid YAML: {exc}") from None
    if node is None:
        raise YamlProblem(1, "the file is empty: an exercise needs id, title, summary and steps")
    lines: dict[Path, int] = {}
    constructor = _Loader("")
    data = _convert(node, (), lines, constructor)
    return data, lines


def _convert(node: yaml.Node, path: Path, lines: dict[Path, int], constructor: Any) -> Any:
    line = node.start_mark.line + 1
    lines[path] = line
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
