"""A resumable HTTP download into a partial file that belongs to one URL, within limits.

The model download is the one network connection voiceguide opens, and the server at the other end
can be wrong or hostile: it can dribble a byte every few seconds (each read succeeds, so a read
timeout alone never fires), lie about lengths, answer a resume with the wrong part or a 416, or
serve a web page. So every byte is counted, progress is measured over a window, every length the
server states is checked, and a partial file is only resumed for the URL it came from and only
when the server's answer matches it. Every failure leaves either nothing or a partial file that the
next try of the same URL can trust.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import socket
import stat
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from voiceguide.errors import BadInput, VoiceguideError
from voiceguide.safeio import MIB, NotReadable, read_bytes

ProgressFactory = Callable[[int | None, int], Any]  # (total or None, bytes already there) -> a bar

ZIP_MAGIC = b"PK\x03\x04"
FREE_MARGIN = 64 * MIB  # never fill the disk to the last byte


@dataclass(frozen=True)
class Limits:
    """How much, and how slowly, a download may arrive."""

    max_bytes: int = 1024 * MIB  # the official small models are 40-90 MB; big ones ignore grammars anyway
    read_timeout: float = 30.0  # one read may wait this long for its first byte
    window: float = 60.0  # in any window of this many seconds ...
    min_bytes: int = 32 * 1024  # ... at least this much must arrive, or the download has stalled


class Unusable(VoiceguideError):
    """What arrived can never become the file (a web page, too large, bad lengths): the partial
    file is removed, so the next try starts clean."""


class Interrupted(VoiceguideError):
    """The connection broke or stalled: the partial file is kept, and the next try resumes it."""


@dataclass(frozen=True)
class Partial:
    """The partial file and, beside it, what it belongs to: the URL, the full length, and the
    server's validators for If-Range (so a changed file is never spliced onto an old start)."""

    data: Path
    meta: Path

    def remember(self, url: str, total: int | None, etag: str | None, modified: str | None) -> None:
        text = json.dumps({"url": url, "total": total, "etag": etag, "modified": modified})
        tmp = self.meta.with_name(self.meta.name + ".new")
        _remove(tmp)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, self.meta)

    def recall(self, url: str) -> dict[str, Any] | None:
        """What is known about the partial file, if it is a regular file from this very URL."""
        try:
            meta = json.loads(read_bytes(self.meta, 64 * 1024, what="download record"))
            mode = os.lstat(self.data).st_mode
        except (NotReadable, OSError, ValueError):
            return None
        if not isinstance(meta, dict) or meta.get("url") != url or not stat.S_ISREG(mode):
            return None
        total = meta.get("total")
        if total is not None and (not isinstance(total, int) or total < 0):
            return None
        return meta

    def size(self) -> int:
        return os.lstat(self.data).st_size

    def discard(self) -> None:
        for path in (self.data, self.meta, self.meta.with_name(self.meta.name + ".new")):
            _remove(path)


def _remove(path: Path) -> None:
    """Remove a file or a link we made (never what a link points to)."""
    try:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink()
    except FileNotFoundError:
        pass


class _Watchdog:
    """Cuts the connection when less than `min_bytes` arrive in a window of `window` seconds, from
    the request on: a server that dribbles its headers or its body a byte at a time keeps every
    single read within its timeout, so only a clock over the whole can see it makes no progress."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.fired = False
        self._sock: socket.socket | None = None
        self._got = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="download watchdog", daemon=True)

    def __enter__(self) -> _Watchdog:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def attach(self, sock: socket.socket) -> None:
        with self._lock:
            self._sock = sock
            if self.fired:
                self._cut()

    def feed(self, n: int) -> None:
        with self._lock:
            self._got += n

    def _run(self) -> None:
        while not self._stop.wait(self.limits.window):
            with self._lock:
                got, self._got = self._got, 0
                if got < self.limits.min_bytes:
                    self.fired = True
                    self._cut()
                    return

    def _cut(self) -> None:
        """Shut the socket down under the reader's feet: its blocked read returns at once. The
        plain socket's own shutdown, so a TLS reader sees a closed connection, not a torn object."""
        if self._sock is not None:
            try:
                socket.socket.shutdown(self._sock, socket.SHUT_RDWR)
            except OSError:
                pass


def _opener(watchdog: _Watchdog) -> urllib.request.OpenerDirector:
    """urllib as usual (proxies, redirects, TLS), with every connection handed to the watchdog."""

    def watched(cls: type[http.client.HTTPConnection]) -> Callable[..., http.client.HTTPConnection]:
        def make(host: str, **kwargs: Any) -> http.client.HTTPConnection:
            conn = cls(host, **kwargs)
            connect = conn.connect

            def connect_watched() -> None:
                connect()
                watchdog.attach(conn.sock)

            conn.connect = connect_watched  # type: ignore[method-assign]
            return conn

        return make

    class Plain(urllib.request.HTTPHandler):
        def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
            return self.do_open(watched(http.client.HTTPConnection), req)  # type: ignore[no-any-return]

    class Secure(urllib.request.HTTPSHandler):
        def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
            return self.do_open(watched(http.client.HTTPSConnection), req,  # type: ignore[no-any-return]
                                context=self._context, check_hostname=self._check_hostname)  # type: ignore[attr-defined]

    opener = urllib.request.OpenerDirector()  # no file:, ftp: or data: handlers: a redirect there fails
    for handler in (urllib.request.ProxyHandler(), urllib.request.UnknownHandler(), Plain(), Secure(),
                    urllib.request.HTTPDefaultErrorHandler(), urllib.request.HTTPRedirectHandler(),
                    urllib.request.HTTPErrorProcessor()):
        opener.add_handler(handler)
    return opener


def fetch(url: str, partial: Partial, *, limits: Limits = Limits(), progress: ProgressFactory | None = None) -> None:
    """Bring the whole of `url` into `partial.data`, resuming what a try of the same URL left.

    A resume the server does not answer as asked (another range, another length, a 416 for a
    partial file that is not the whole) is not trusted: the partial is dropped and the file
    fetched from the start, once."""
    if urllib.parse.urlsplit(url).scheme.lower() not in ("http", "https"):
        raise BadInput(f"download refused: {_short(url)!r} is not an http or https URL")
    meta = partial.recall(url)
    if meta is None:
        partial.discard()  # a partial file from another URL, or one we cannot vouch for
    for _attempt in range(2):
        try:
            _fetch_once(url, partial, meta, limits, progress)
            return
        except _StartOver:
            partial.discard()
            meta = None
    raise Interrupted(f"download failed: {url}: the server does not answer a resumed download consistently")


class _StartOver(Exception):
    """The server's answer does not match the partial file: fetch it whole instead."""


def _fetch_once(url: str, partial: Partial, meta: dict[str, Any] | None, limits: Limits,
                progress: ProgressFactory | None) -> None:
    have = partial.size() if meta is not None else 0
    headers = {}
    if have:
        headers["Range"] = f"bytes={have}-"
        etag = meta.get("etag") if meta else None
        weak = not isinstance(etag, str) or etag.startswith("W/")  # If-Range takes strong ETags only
        validator = meta.get("modified") if weak and meta else etag
        if isinstance(validator, str) and validator.isprintable():
            headers["If-Range"] = validator
    request = urllib.request.Request(url, headers=headers)
    with _Watchdog(limits) as watchdog:
        try:
            response = _opener(watchdog).open(request, timeout=min(limits.read_timeout, limits.window))
        except urllib.error.HTTPError as exc:
            if exc.code == 416 and have:
                if _complete_per_416(exc.headers.get("Content-Range"), have, meta):
                    return
                raise _StartOver from None
            raise Interrupted(f"download failed: {url}: HTTP {exc.code} {_short(exc.reason)}") from None
        except (urllib.error.URLError, OSError, http.client.HTTPException, ValueError) as exc:
            if watchdog.fired:
                raise _stalled(url, limits) from None
            reason = getattr(exc, "reason", exc)
            raise Interrupted(f"download failed: {url}: {_short(reason)}") from None
        _answer(response, url, partial, meta, have, limits, progress, watchdog)


def _stalled(url: str, limits: Limits) -> Interrupted:
    return Interrupted(f"download stalled: {url} sent less than {limits.min_bytes // 1024} KB in "
                       f"{limits.window:g} s; run the same command again to resume")


def _answer(response: http.client.HTTPResponse, url: str, partial: Partial, meta: dict[str, Any] | None,
            have: int, limits: Limits, progress: ProgressFactory | None, watchdog: _Watchdog) -> None:
    with response:
        length = _content_length(response.headers, url)
        if response.status == 206 and have:
            start, total = _content_range(response.headers.get("Content-Range"), url)
            known = meta.get("total") if meta else None
            if start != have or (known is not None and total != known) \
                    or (total is not None and length is not None and have + length != total):
                raise _StartOver
            mode = "ab"
        elif response.status == 200:
            have, mode, total = 0, "wb", length
        else:
            raise Interrupted(f"download failed: {url}: unexpected HTTP {response.status}")
        if total is not None and total > limits.max_bytes:
            partial.discard()
            raise Unusable(f"download refused: {url} is {_mib(total)}, more than a speech model "
                           f"archive can be ({_mib(limits.max_bytes)})")
        if total is not None:
            check_space(partial.data.parent, total - have)
        if mode == "wb":
            partial.discard()
            partial.remember(url, total, response.headers.get("ETag"), response.headers.get("Last-Modified"))
        _copy(response, partial, mode, have, total, url, limits, progress, watchdog)


def _copy(response: http.client.HTTPResponse, partial: Partial, mode: str, have: int, total: int | None,
          url: str, limits: Limits, progress: ProgressFactory | None, watchdog: _Watchdog) -> None:
    flags = os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW | (os.O_APPEND if mode == "ab" else os.O_TRUNC)
    fd = os.open(partial.data, flags, 0o644)
    bar = progress(total, have) if progress else None
    got = have
    head = b""
    try:
        with os.fdopen(fd, mode) as out:
            if not stat.S_ISREG(os.fstat(out.fileno()).st_mode):
                raise Unusable(f"{partial.data} is not a regular file")
            while True:
                try:
                    chunk = response.read1(64 * 1024)
                except (OSError, http.client.HTTPException, urllib.error.URLError, ValueError) as exc:
                    if watchdog.fired:
                        raise _stalled(url, limits) from None
                    raise Interrupted(f"download interrupted ({_short(exc)}); "
                                      "run the same command again to resume") from None
                if not chunk:
                    if watchdog.fired:
                        raise _stalled(url, limits)
                    break
                watchdog.feed(len(chunk))
                if have == 0 and len(head) < 512:
                    head += chunk[: 512 - len(head)]
                    _check_start(head, url, final=False)
                got += len(chunk)
                if got > limits.max_bytes or (total is not None and got > total):
                    raise Unusable(f"download refused: {url} sent more than "
                                   f"{_mib(min(limits.max_bytes, total or limits.max_bytes))}")
                out.write(chunk)
                if bar is not None:
                    bar.update(len(chunk))
            if have == 0:
                _check_start(head, url, final=True)
    except Unusable:
        partial.discard()
        raise
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
    if total is not None and got < total:
        raise Interrupted("download interrupted; run the same command again to resume")


def _check_start(head: bytes, url: str, *, final: bool) -> None:
    """A zip archive starts with its first member: anything else is named, a web page above all
    (what a captive portal, a login page or a wrong link serves). Judged on the first few hundred
    bytes, however the server splits them."""
    if head[:4] == ZIP_MAGIC or (not final and ZIP_MAGIC.startswith(head)):
        return
    if not final and len(head) < 512:
        return
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith((b"<!doctype html", b"<html", b"<head", b"<body", b"<!--")) or b"<html" in text:
        raise Unusable(f"download refused: {url} is a web page (HTML), not a model archive; check the URL")
    raise Unusable(f"download refused: {url} is not a zip archive (it starts with {head[:16]!r})")


def _content_length(headers: Any, url: str) -> int | None:
    values = headers.get_all("Content-Length") or []
    if not values:
        return None
    if len(set(v.strip() for v in values)) != 1 or not re.fullmatch(r"\d{1,18}", values[0].strip()):
        raise Unusable(f"download failed: {url}: the server sent a bad Content-Length "
                       f"({_short(', '.join(values))})")
    return int(values[0])


def _content_range(value: str | None, url: str) -> tuple[int, int | None]:
    """(first byte, full length or None) of `bytes FIRST-LAST/LENGTH`."""
    m = re.fullmatch(r"\s*bytes\s+(\d{1,18})-(\d{1,18})/(\d{1,18}|\*)\s*", value or "")
    if m is None:
        raise _StartOver
    total = None if m.group(3) == "*" else int(m.group(3))
    return int(m.group(1)), total


def _complete_per_416(value: str | None, have: int, meta: dict[str, Any] | None) -> bool:
    """A 416 ("nothing from there on") means done only if the server names its length and that is
    exactly what we have and what it said at the start."""
    m = re.fullmatch(r"\s*bytes\s+\*/(\d{1,18})\s*", value or "")
    return m is not None and int(m.group(1)) == have and meta is not None and meta.get("total") == have


def check_space(folder: Path, needed: int) -> None:
    """Before writing: a full disk fails everything else on the computer too."""
    free = shutil.disk_usage(folder).free
    if free < needed + FREE_MARGIN:
        raise VoiceguideError(f"not enough free space in {folder}: the download needs {_mib(needed + FREE_MARGIN)}, "
                       f"{_mib(free)} is free")


def _mib(n: int) -> str:
    return f"{n / MIB:.0f} MB" if n >= MIB else f"{n} bytes"


def _short(value: object, limit: int = 120) -> str:
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"
