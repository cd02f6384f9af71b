"""Where the enrolled templates live: one file per language in the user data folder.

The file holds features only: small float arrays of exactly N_FEATURES columns and at most
MAX_FRAMES rows (a second of speech in about 1 KB per take, from which the audio cannot be played
back), and a JSON header with the partners' names and dates. It is read bounded, without pickles,
and every array is checked before use: a damaged or foreign file is an error that names
`enroll --forget`, never a crash."""

from __future__ import annotations

import io
import json
import os
import re
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from voiceguide.enroll.features import MAX_FRAMES, N_FEATURES
from voiceguide.enroll.voices import Partner
from voiceguide.errors import BadInput, VoiceguideError

LIMIT = 4 * 1024 * 1024  # two partners x ten words x a dozen takes is about 300 KB
_CODE = re.compile(r"^[a-z]{2,3}$")
_NAME = re.compile(r"^[a-z_]{1,20}$")


class DamagedVoices(VoiceguideError):
    """The templates file cannot be used."""


def folder() -> Path:
    from voiceguide import places

    return places.data_dir() / "voices"


def path_for(lang: str) -> Path:
    """The file for a language code; the code must be a plain language code, so the path stays in
    the folder."""
    if not _CODE.match(lang):
        raise BadInput(f"not a language code: {lang[:20]!r}")
    path = folder() / f"{lang}.npz"
    if path.parent.resolve() != folder().resolve():
        raise BadInput(f"not a language code: {lang[:20]!r}")
    return path


def save(lang: str, partners: Sequence[Partner]) -> Path:
    """Write atomically (a new file moved into place), so a crash leaves the old file or the new."""
    import numpy as np

    from voiceguide.safeio import check_writable_target

    path = path_for(lang)
    if path.parent.is_symlink():  # it would lead the templates (and a later --forget) out of the data folder
        raise VoiceguideError(f"{path.parent} is a link to elsewhere; remove it, and enroll again")
    path.parent.mkdir(parents=True, exist_ok=True)
    check_writable_target(path, what="templates file")
    arrays: dict[str, Any] = {}
    meta: list[dict[str, Any]] = []
    for i, p in enumerate(partners):
        entry: dict[str, Any] = {"name": p.name, "enrolled": p.enrolled, "phrases": p.phrases,
                                 "thresholds": p.thresholds, "takes": {}, "negatives": len(p.negatives)}
        for name, takes in p.takes.items():
            entry["takes"][name] = len(takes)
            for k, t in enumerate(takes):
                arrays[f"p{i}_{name}_{k}"] = _checked(np.asarray(t, dtype=np.float32))
        for k, t in enumerate(p.negatives):
            arrays[f"p{i}__neg_{k}"] = _checked(np.asarray(t, dtype=np.float32))
        meta.append(entry)
    arrays["meta"] = np.frombuffer(json.dumps({"version": 1, "lang": lang, "partners": meta},
                                              ensure_ascii=False).encode("utf-8"), dtype=np.uint8)
    fd, tmp = tempfile.mkstemp(prefix=".voices-", suffix=".npz", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **arrays)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _checked(a: Any) -> Any:
    import numpy as np

    if a.ndim != 2 or a.shape[1] != N_FEATURES or not 0 < a.shape[0] <= MAX_FRAMES or not np.isfinite(a).all():
        raise DamagedVoices(f"not a template: an array of shape {a.shape}")
    return a


def load(lang: str) -> list[Partner]:
    """The enrolled partners of a language ([] when nobody is enrolled)."""
    import numpy as np

    from voiceguide.safeio import NotReadable, read_bytes

    path = path_for(lang)
    if not path.exists() and not path.is_symlink():
        return []
    try:
        data = read_bytes(path, LIMIT, what="templates file")
    except NotReadable as exc:
        raise DamagedVoices(f"the enrolled voices cannot be read ({exc.reason}); "
                            "'voiceguide enroll --forget' removes them") from None
    try:
        _check_members(data)
        with np.load(io.BytesIO(data), allow_pickle=False) as z:
            header = json.loads(bytes(z["meta"].astype(np.uint8)).decode("utf-8"))
            partners = []
            for i, entry in enumerate(header["partners"][:2]):
                p = Partner(str(entry["name"])[:60], str(entry["enrolled"])[:40])
                for name, count in entry["takes"].items():
                    if not _NAME.match(name) or not isinstance(count, int) or not 0 < count <= 12:
                        raise ValueError(f"bad command {name!r}")
                    p.takes[name] = [_checked(z[f"p{i}_{name}_{k}"].astype(np.float32)) for k in range(count)]
                negatives = int(entry.get("negatives", 0))
                if not 0 <= negatives <= 60:
                    raise ValueError("bad negatives")
                p.negatives = [_checked(z[f"p{i}__neg_{k}"].astype(np.float32)) for k in range(negatives)]
                p.phrases = {str(k): str(v)[:60] for k, v in dict(entry["phrases"]).items() if k in p.takes}
                p.thresholds = {str(k): float(v) for k, v in dict(entry["thresholds"]).items() if k in p.takes}
                partners.append(p)
    except DamagedVoices:
        raise DamagedVoices(f"the enrolled voices in {path} are damaged; 'voiceguide enroll --forget' "
                            "removes them") from None
    except Exception as exc:  # noqa: BLE001 - a foreign or damaged file, however it fails
        raise DamagedVoices(f"the enrolled voices in {path} are damaged ({type(exc).__name__}); "
                            "'voiceguide enroll --forget' removes them") from None
    return partners


def _check_members(data: bytes) -> None:
    """What `save` writes: a stored (uncompressed) zip of a few hundred small arrays. A compressed
    member could unpack to gigabytes from a file within LIMIT, so none is read."""
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        members = zf.infolist()
        if len(members) > 1000:
            raise ValueError("too many arrays")
        for info in members:
            if info.compress_type != zipfile.ZIP_STORED or info.file_size > LIMIT:
                raise ValueError(f"a packed or oversized member ({info.filename[:40]!r})")


def forget() -> list[Path]:
    """Remove every templates file (and the folder, if that leaves it empty)."""
    removed = []
    base = folder()
    if not base.is_dir() or base.is_symlink():
        return removed
    for entry in base.iterdir():
        if entry.name.endswith(".npz") and (entry.is_symlink() or not entry.is_dir()):  # a link: itself only
            entry.unlink()
            removed.append(entry)
    try:
        base.rmdir()
    except OSError:
        pass
    return removed


def enrolled_languages() -> list[str]:
    base = folder()
    if not base.is_dir():
        return []
    return sorted(p.stem for p in base.glob("*.npz") if _CODE.match(p.stem))
