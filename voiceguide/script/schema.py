"""The JSON Schema of the exercise format, generated from the pydantic models the loader uses.

Pydantic gives the shapes; this module only adds what helps an editor: the step kinds become a
`oneOf` (each kind requires its own key, so exactly one ever matches, and an editor can say which
key is missing), each kind gets a ready-made snippet for completion, and the document says which
draft it follows.
"""

from __future__ import annotations

import json
from typing import Any

from voiceguide.script.model import Clip, Pause, Rotate, Say, Script, Timer, Turns, Wait

SCHEMA_DRAFT = "https://json-schema.org/draft/2020-12/schema"

# Snippets in the format yaml-language-server and VS Code understand (`defaultSnippets`).
_SNIPPETS: dict[str, list[dict[str, Any]]] = {
    Say.__name__: [
        {"label": "say", "description": "A spoken line", "body": {"say": "$1"}},
        {"label": "say + wait", "description": "A spoken line, then wait for next", "body": {"say": "$1", "wait": "next"}},
    ],
    Pause.__name__: [{"label": "pause", "description": "Silence", "body": {"pause": "${1:10s}"}}],
    Timer.__name__: [
        {"label": "timer", "description": "A timed turn with a soft cue", "body": {"timer": "${1:3m}", "warn": "${2:30s}"}}
    ],
    Wait.__name__: [{"label": "wait", "description": "Wait for next", "body": {"wait": "next"}}],
    Clip.__name__: [{"label": "audio", "description": "Play a clip", "body": {"audio": "${1:chime.wav}"}}],
    Turns.__name__: [
        {
            "label": "turns",
            "description": "Steps taken once by each partner",
            "body": {
                "turns": {
                    "order": ["a", "b"],
                    "steps": [
                        {"say": "{speaker}, ${1:you have the floor.} {listener}, ${2:listen.}"},
                        {"timer": "${3:3m}", "warn": "${4:30s}"},
                    ],
                }
            },
        }
    ],
    Rotate.__name__: [
        {
            "label": "rotate",
            "description": "Sets of steps taken in turn, one set per session",
            "body": {"rotate": [{"steps": [{"say": "${1:The first set.}"}]}, {"steps": [{"say": "${2:The second set.}"}]}]},
        }
    ],
}


def build_schema() -> dict[str, Any]:
    schema = Script.model_json_schema(mode="validation")
    defs = schema.get("$defs", {})
    for name, snippets in _SNIPPETS.items():
        defs[name]["defaultSnippets"] = snippets
    _one_of_steps(schema)
    for model in defs.values():
        _one_of_steps(model)
    return {
        "$schema": SCHEMA_DRAFT,
        "title": "voiceguide exercise script",
        "description": "One couples' exercise for voiceguide; see docs/authoring.md. "
        "'voiceguide check' validates the same format and also checks placeholders and audio files.",
        **{k: v for k, v in schema.items() if k not in ("title", "description")},
    }


def _one_of_steps(model: dict[str, Any]) -> None:
    """`steps: [anyOf ...]` → `oneOf`: the kinds exclude each other, and editors report better."""
    steps = model.get("properties", {}).get("steps")
    if steps and "anyOf" in steps.get("items", {}):
        steps["items"] = {"oneOf": steps["items"]["anyOf"]}


def schema_json() -> str:
    return json.dumps(build_schema(), indent=2, ensure_ascii=False)
