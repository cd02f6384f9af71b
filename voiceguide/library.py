"""Where exercises live: the built-ins, the user's own folder, and any folder named with --dir.

A user exercise with a built-in's id shadows it.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from voiceguide import places
from voiceguide.errors import BadInput
from voiceguide.script.load import Exercise, Problem, check_file, load

SUFFIXES = (".yaml", ".yml")


def builtin_dir() -> Path:
    return Path(str(resources.files("voiceguide").joinpath("exercises")))


def user_dir() -> Path:
    """The user's own exercise folder; listed and playable by id without any option.

    ~/.local/share/voiceguide/exercises on Linux (voiceguide.places).
    """
    return places.data_dir() / "exercises"


def search_dirs(extra: tuple[Path, ...] = ()) -> tuple[Path, ...]:
    """The user folder, then every --dir folder: a later folder wins when two use the same id."""
    return (user_dir(), *extra)


@dataclass(frozen=True)
class Entry:
    id: str
    path: Path
    builtin: bool
    shadows: Path | None = None  # the built-in this user file hides
    exercise: Exercise | None = field(default=None, compare=False, repr=False)  # user files: as loaded


@dataclass(frozen=True)
class Skipped:
    """A user file that does not load, and its first error: left out, but never silently."""

    path: Path
    problem: Problem


def _files(folder: Path) -> list[Path]:
    try:
        return sorted(p for p in folder.iterdir() if p.suffix in SUFFIXES and p.is_file())
    except OSError:
        return []


def entries(user_dirs: tuple[Path, ...] = (), *, include_user_dir: bool = True) -> list[Entry]:
    """Every exercise found, by id; files that do not load are left out (see `scan`)."""
    return scan(user_dirs, include_user_dir=include_user_dir)[0]


def scan(user_dirs: tuple[Path, ...] = (), *, include_user_dir: bool = True) -> tuple[list[Entry], list[Skipped]]:
    """Every exercise found, by id, and the user files left out because they do not load.

    The built-ins come first, then the user folder and the `user_dirs` (--dir) in order; a user
    file with a built-in's id takes its place and remembers which built-in it hides. A broken
    file costs only itself: its neighbours and the built-ins are still found.
    """
    found: dict[str, Entry] = {}
    skipped: list[Skipped] = []
    for p in _files(builtin_dir()):
        found[p.stem] = Entry(p.stem, p, builtin=True)
    folders = search_dirs(user_dirs) if include_user_dir else user_dirs
    for folder in folders:
        for p in _files(folder):
            exercise, problems = check_file(p)
            if exercise is None:
                first = next((q for q in problems if not q.warning), Problem(str(p), 0, "does not load"))
                skipped.append(Skipped(p, first))
                continue
            ident = exercise.script.id
            previous = found.get(ident)
            shadows = previous.path if previous is not None and previous.builtin else (previous.shadows if previous else None)
            found[ident] = Entry(ident, p, builtin=False, shadows=shadows, exercise=exercise)
    return sorted(found.values(), key=lambda e: (not e.builtin, e.id)), skipped


def load_entry(entry: Entry) -> Exercise:
    return entry.exercise if entry.exercise is not None else load(entry.path)


def find(name: str, user_dirs: tuple[Path, ...] = ()) -> Exercise:
    """An exercise by id, or by path to a file."""
    return resolve(name, user_dirs)[0]


def resolve(name: str, user_dirs: tuple[Path, ...] = ()) -> tuple[Exercise, Entry | None]:
    """An exercise by id or path, with its library entry when it was found by id (so a caller can
    say that a user file hides a built-in)."""
    looks_like_path = "/" in name or name.endswith(SUFFIXES)
    if looks_like_path:
        path = Path(name)
        if path.is_dir():
            raise BadInput(f"{name} is a folder; name an exercise file or an exercise id")
        if not path.exists():
            raise BadInput(f"{name}: no such file")
        return load(path), None
    found, skipped = scan(user_dirs)
    for entry in found:
        if entry.id == name:
            return load_entry(entry), entry
    for left_out in skipped:
        if left_out.path.stem == name:
            raise BadInput(f"{name!r} does not load: {left_out.problem} ('voiceguide check {left_out.path}' "
                           "lists every problem)")
    guess = difflib.get_close_matches(name, [e.id for e in found], n=3, cutoff=0.6)
    hint = f"did you mean {' or '.join(repr(g) for g in guess)}? " if guess else ""
    raise BadInput(f"no exercise called {name!r}; {hint}('voiceguide list' shows them all)")
