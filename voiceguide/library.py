"""Where exercises live: the built-ins, the user's own folder, and any folder named with --dir.

A user exercise with a built-in's id shadows it.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from voiceguide import places
from voiceguide.errors import BadInput
from voiceguide.script.load import Exercise, check_file, load

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


def _files(folder: Path) -> list[Path]:
    try:
        return sorted(p for p in folder.iterdir() if p.suffix in SUFFIXES and p.is_file())
    except OSError:
        return []


def entries(user_dirs: tuple[Path, ...] = (), *, include_user_dir: bool = True) -> list[Entry]:
    """Every exercise found, by id; files that do not load are left out (`check` reports them).

    The built-ins come first, then the user folder and the `user_dirs` (--dir) in order; a user
    file with a built-in's id takes its place and remembers which built-in it hides.
    """
    found: dict[str, Entry] = {}
    for p in _files(builtin_dir()):
        found[p.stem] = Entry(p.stem, p, builtin=True)
    folders = search_dirs(user_dirs) if include_user_dir else user_dirs
    for folder in folders:
        for p in _files(folder):
            exercise, _ = check_file(p)
            if exercise is None:
                continue
            ident = exercise.script.id
            previous = found.get(ident)
            shadows = previous.path if previous is not None and previous.builtin else (previous.shadows if previous else None)
            found[ident] = Entry(ident, p, builtin=False, shadows=shadows)
    return sorted(found.values(), key=lambda e: (not e.builtin, e.id))


def find(name: str, user_dirs: tuple[Path, ...] = ()) -> Exercise:
    """An exercise by id, or by path to a file."""
    looks_like_path = "/" in name or name.endswith(SUFFIXES)
    if looks_like_path:
        path = Path(name)
        if path.is_dir():
            raise BadInput(f"{name} is a folder; name an exercise file or an exercise id")
        if not path.exists():
            raise BadInput(f"{name}: no such file")
        return load(path)
    for entry in entries(user_dirs):
        if entry.id == name:
            return load(entry.path)
    known = ", ".join(e.id for e in entries(user_dirs))
    raise BadInput(f"no exercise called {name!r}; known exercises: {known} (see 'voiceguide list')")
