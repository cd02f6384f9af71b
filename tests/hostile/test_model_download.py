"""`voiceguide model download` against hostile input and hostile servers (all on 127.0.0.1): a
LANG that is a path, a zip bomb, a dribbling server, a stale partial file, a bad Content-Length, a
web page served as the model. Each case ends with a message, touches nothing outside voiceguide's
folders, and leaves a state from which the next download succeeds."""

from __future__ import annotations

import http.server
import json
import struct
import threading
import time
import zipfile
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.hostile.conftest import run_cli
from tests.test_models import model_zip
from voiceguide import fetch, models, unzip
from voiceguide.errors import VoiceguideError

GIB = 1024**3


def zip_bomb(size: int = 3 * GIB, name: str = "vosk-model-small-en/am/final.mdl", declared: int | None = None) -> bytes:
    """A real zip of one member of `size` zero bytes, a few MB in all, with its true CRC: the
    deflate stream of one MiB of zeros after a full flush is the same every time, so it is made
    once and repeated instead of compressing gigabytes. `declared`: the size its headers claim."""
    block = bytes(1 << 20)
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = c.compress(block) + c.flush(zlib.Z_FULL_FLUSH)
    again = c.compress(block) + c.flush(zlib.Z_FULL_FLUSH)
    assert again == c.compress(block) + c.flush(zlib.Z_FULL_FLUSH)
    n = size // len(block)
    data = first + again * (n - 1) + c.flush(zlib.Z_FINISH)
    crc = 0
    for _ in range(n):
        crc = zlib.crc32(block, crc)
    raw = name.encode()
    usize = n * len(block) if declared is None else declared
    local = struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 8, 0, 0x21, crc, len(data), usize, len(raw), 0)
    central = struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, 8, 0, 0x21, crc, len(data), usize,
                          len(raw), 0, 0, 0, 0, 0, 0)
    head = local + raw + data
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, 1, 1, len(central) + len(raw), len(head), 0)
    return head + central + raw + end


Handler = Callable[[http.server.BaseHTTPRequestHandler], None]


class Server:
    """A local server whose answer is `handle(request)`; `serve(body)` is an honest one with Range."""

    def __init__(self) -> None:
        self.handle: Handler = self.serve(model_zip())
        self.requests: list[dict[str, str | None]] = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802
                outer.requests.append({"range": self.headers.get("Range"), "if-range": self.headers.get("If-Range")})
                try:
                    outer.handle(self)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/model.zip"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    @staticmethod
    def serve(body: bytes, etag: str = '"v1"') -> Handler:
        def handle(r: http.server.BaseHTTPRequestHandler) -> None:
            rng = r.headers.get("Range")
            start = int(rng.split("=")[1].rstrip("-")) if rng else 0
            if rng and start >= len(body):
                r.send_response(416)
                r.send_header("Content-Range", f"bytes */{len(body)}")
                r.send_header("Content-Length", "0")
                r.end_headers()
                return
            r.send_response(206 if rng else 200)
            if rng:
                r.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
            r.send_header("ETag", etag)
            r.send_header("Content-Length", str(len(body) - start))
            r.end_headers()
            r.wfile.write(body[start:])

        return handle

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server() -> Iterator[Server]:
    s = Server()
    yield s
    s.close()


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


def env(home: Path, url: str | None = None) -> dict[str, str]:
    out = {"XDG_DATA_HOME": str(home / "data"), "XDG_CACHE_HOME": str(home / "cache"),
           "XDG_CONFIG_HOME": str(home / "config"), "VOICEGUIDE_MODEL_CACHE": str(home / "views")}
    if url:
        out["VOICEGUIDE_MODEL_URL"] = url
    return out


def models_dir(home: Path) -> Path:
    return home / "data" / "voiceguide" / "models"


def entries(home: Path) -> list[str]:
    root = models_dir(home)
    return sorted(p.name for p in root.iterdir()) if root.is_dir() else []


def download_works_now(home: Path, server: Server) -> None:
    """The next try, against an honest server, installs the model and leaves nothing else."""
    server.handle = Server.serve(model_zip())
    ran = run_cli("model", "download", "en", env=env(home, server.url))
    assert ran.returncode == 0, ran.stderr
    assert "downloading en model" in ran.stderr  # the progress bar
    assert entries(home) == ["en"]
    assert models.looks_like_model(models_dir(home) / "en")


# ---- LANG is a language code, never a path ------------------------------------------------------


@pytest.mark.parametrize("lang", ["", "en/", "../x", "..", ".", "/ABS", "/../../../../ABS", "fr", "en/../ko",
                                  "x" * 5000, "en\n", "../ABS"])
def test_a_lang_that_is_not_a_language_code_is_refused_and_nothing_is_touched(
        lang: str, sentinel: Path, home: Path, server: Server) -> None:
    lang = lang.replace("/ABS", str(sentinel))
    ran = run_cli("model", "download", lang, env=env(home, server.url))
    assert ran.returncode == 2, ran.stderr
    assert "no language pack for" in ran.stderr and "languages with a pack: en, ko" in ran.stderr
    assert len(ran.stderr) < 300 and ran.stderr.count("\n") == 1
    assert server.requests == []  # refused before any connection
    assert entries(home) == []


def test_a_lang_path_cannot_reach_out_through_the_library(tmp_path: Path, sentinel: Path) -> None:
    root = tmp_path / "models"
    for lang in (str(sentinel), f"../{sentinel.name}", "", "en/"):
        with pytest.raises(VoiceguideError, match="no language pack"):
            models.download(lang, "http://127.0.0.1:9/none.zip", dest_root=root)
    assert not root.exists()


# ---- limits -------------------------------------------------------------------------------------


def test_a_zip_bomb_is_refused_before_anything_is_unpacked(home: Path, server: Server) -> None:
    bomb = zip_bomb()
    assert len(bomb) < 4 * 1024 * 1024
    server.handle = Server.serve(bomb)
    ran = run_cli("model", "download", "en", env=env(home, server.url))
    assert ran.returncode == 1, ran.stderr
    assert "would unpack to 3072 MB, more than a speech model takes" in ran.stderr
    assert entries(home) == []  # no partial file, no half-unpacked folder
    download_works_now(home, server)


def test_the_declared_sizes_are_held_to_the_limit_before_writing(tmp_path: Path) -> None:
    archive = tmp_path / "bomb.zip"
    archive.write_bytes(zip_bomb(64 * 1024 * 1024))
    (tmp_path / "out").mkdir()
    with pytest.raises(unzip.Refused, match="would unpack to 64 MB"):
        unzip.unpack(archive, tmp_path / "out", unzip.Limits(max_bytes=8 * 1024 * 1024))
    assert list((tmp_path / "out").iterdir()) == []


def test_a_bomb_that_understates_its_size_writes_no_more_than_it_declares(tmp_path: Path) -> None:
    """64 MB of zeros declared as 1000 bytes: at most 1000 bytes are written, then it is damaged."""
    archive = tmp_path / "bomb.zip"
    archive.write_bytes(zip_bomb(64 * 1024 * 1024, declared=1000))
    (tmp_path / "out").mkdir()
    with pytest.raises(unzip.Damaged, match="damaged"):
        unzip.unpack(archive, tmp_path / "out", unzip.Limits(max_bytes=8 * 1024 * 1024))
    written = [p.stat().st_size for p in (tmp_path / "out").rglob("*") if p.is_file()]
    assert sum(written) <= 1000


def test_an_archive_over_the_size_limit_is_not_downloaded(tmp_path: Path, server: Server) -> None:
    server.handle = Server.serve(model_zip(size=2_000_000))
    with pytest.raises(VoiceguideError, match="more than a speech model archive can be"):
        models.download("en", server.url, dest_root=tmp_path / "m", limits=fetch.Limits(max_bytes=1_000_000))
    assert sorted(p.name for p in (tmp_path / "m").iterdir()) == []


def test_not_enough_free_space_is_said_before_writing(tmp_path: Path, server: Server,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    import shutil
    from collections import namedtuple

    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(shutil, "disk_usage", lambda path: usage(10**9, 10**9 - 1000, 1000))
    with pytest.raises(VoiceguideError, match="not enough free space"):
        models.download("en", server.url, dest_root=tmp_path / "m")
    assert sorted(p.name for p in (tmp_path / "m").iterdir()) == []


def dribble(r: http.server.BaseHTTPRequestHandler) -> None:
    r.send_response(200)
    r.send_header("Content-Length", "1000000")
    r.end_headers()
    r.wfile.write(b"PK\x03\x04")
    for _ in range(200):
        time.sleep(0.1)
        r.wfile.write(b"\0")
        r.wfile.flush()


def dribble_headers(r: http.server.BaseHTTPRequestHandler) -> None:
    r.wfile.write(b"HTTP/1.1 200 OK\r\nX-Slow: ")
    for _ in range(200):
        time.sleep(0.1)
        r.wfile.write(b"a")


@pytest.mark.parametrize("handle", [dribble, dribble_headers], ids=["body", "headers"])
def test_a_dribbling_server_is_cut_off(handle: Handler, tmp_path: Path, server: Server) -> None:
    """A byte every tenth of a second never trips a read timeout; the progress window does."""
    server.handle = handle
    outcome: list[BaseException | None] = []

    def run() -> None:
        try:
            models.download("en", server.url, dest_root=tmp_path / "m",
                            limits=fetch.Limits(read_timeout=5, window=1.0, min_bytes=1000))
            outcome.append(None)
        except BaseException as exc:  # noqa: BLE001  (handed to the test thread)
            outcome.append(exc)

    started = time.monotonic()
    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(10)
    assert not worker.is_alive(), "the download is still waiting on a dribbling server"
    assert time.monotonic() - started < 5
    [exc] = outcome
    assert isinstance(exc, VoiceguideError) and "stalled" in str(exc) and "run the same command again" in str(exc)
    assert not (tmp_path / "m" / "en").exists()


# ---- the partial file ---------------------------------------------------------------------------


@pytest.mark.parametrize("record", ["another URL", "none (as older versions left it)", "not JSON"])
def test_a_stale_partial_file_is_not_resumed(record: str, home: Path, server: Server) -> None:
    """A partial as long as the whole file: resumed, the server answers 416, and taking that as
    "complete" would fail the same way on every try."""
    body = model_zip()
    root = models_dir(home)
    root.mkdir(parents=True)
    (root / ".en.zip.part").write_bytes(b"\x07" * len(body))
    if record == "another URL":
        (root / ".en.zip.part.json").write_text(json.dumps({"url": "http://example.invalid/other.zip",
                                                            "total": len(body), "etag": None, "modified": None}))
    elif record == "not JSON":
        (root / ".en.zip.part.json").write_text("{not json")
    server.handle = Server.serve(body)
    ran = run_cli("model", "download", "en", env=env(home, server.url))
    assert ran.returncode == 0, ran.stderr
    assert server.requests[0]["range"] is None  # fetched from the start
    assert entries(home) == ["en"]


def test_a_416_for_a_partial_that_is_not_the_whole_is_not_complete(home: Path, server: Server) -> None:
    body = model_zip()
    root = models_dir(home)
    root.mkdir(parents=True)
    (root / ".en.zip.part").write_bytes(b"\x07" * (len(body) + 10))  # longer than the file: the 416 lies
    (root / ".en.zip.part.json").write_text(json.dumps({"url": server.url, "total": len(body) + 10,
                                                        "etag": None, "modified": None}))
    server.handle = Server.serve(body)
    ran = run_cli("model", "download", "en", env=env(home, server.url))
    assert ran.returncode == 0, ran.stderr
    assert [r["range"] for r in server.requests] == [f"bytes={len(body) + 10}-", None]
    assert entries(home) == ["en"]


def test_a_resume_of_a_file_that_changed_starts_over(home: Path, server: Server) -> None:
    """If-Range carries the ETag; the server, whose file changed, answers with all of the new one."""
    old, new = model_zip(size=300_000), model_zip(size=200_000, extra={"NEW": b"new"})
    root = models_dir(home)
    root.mkdir(parents=True)
    (root / ".en.zip.part").write_bytes(old[:100_000])
    (root / ".en.zip.part.json").write_text(json.dumps({"url": server.url, "total": len(old),
                                                        "etag": '"v1"', "modified": None}))

    def changed(r: http.server.BaseHTTPRequestHandler) -> None:
        if r.headers.get("If-Range") == '"v1"':
            del r.headers["Range"]
        Server.serve(new, etag='"v2"')(r)

    server.handle = changed
    ran = run_cli("model", "download", "en", env=env(home, server.url))
    assert ran.returncode == 0, ran.stderr
    assert server.requests == [{"range": "bytes=100000-", "if-range": '"v1"'}]
    assert (models_dir(home) / "en" / "NEW").read_bytes() == b"new"


def test_a_partial_file_that_is_a_link_is_never_written_through(home: Path, sentinel: Path, server: Server) -> None:
    root = models_dir(home)
    root.mkdir(parents=True)
    (root / ".en.zip.part").symlink_to(sentinel / "keep.txt")
    (root / ".en.zip.part.json").write_text(json.dumps({"url": server.url, "total": None, "etag": None,
                                                        "modified": None}))
    ran = run_cli("model", "download", "en", env=env(home, server.url))
    assert ran.returncode == 0, ran.stderr
    assert entries(home) == ["en"]


def test_a_model_folder_that_is_a_link_is_replaced_not_followed(home: Path, sentinel: Path, server: Server) -> None:
    root = models_dir(home)
    root.mkdir(parents=True)
    (root / "en").symlink_to(sentinel)
    ran = run_cli("model", "download", "en", env=env(home, server.url))
    assert ran.returncode == 0, ran.stderr
    assert not (root / "en").is_symlink() and models.looks_like_model(root / "en")


# ---- what the server says -----------------------------------------------------------------------


@pytest.mark.parametrize("length", ["abc", "-1", "12, 13", "99999999999999999999999", "1e6"])
def test_a_bad_content_length_is_a_message(length: str, home: Path, server: Server) -> None:
    def handle(r: http.server.BaseHTTPRequestHandler) -> None:
        r.send_response(200)
        for value in length.split(", "):
            r.send_header("Content-Length", value)
        r.end_headers()
        r.wfile.write(model_zip())

    server.handle = handle
    ran = run_cli("model", "download", "en", env=env(home, server.url))
    assert ran.returncode == 1, ran.stderr
    assert "bad Content-Length" in ran.stderr and ran.stderr.count("\n") == 1
    assert entries(home) == []
    download_works_now(home, server)


def test_a_body_shorter_than_its_content_length_is_resumed(home: Path, server: Server) -> None:
    body = model_zip()

    def short(r: http.server.BaseHTTPRequestHandler) -> None:
        r.send_response(200)
        r.send_header("Content-Length", str(len(body)))
        r.send_header("ETag", '"v1"')
        r.end_headers()
        r.wfile.write(body[:50_000])
        r.wfile.flush()
        r.close_connection = True

    server.handle = short
    ran = run_cli("model", "download", "en", env=env(home, server.url))
    assert ran.returncode == 1, ran.stderr
    assert "run the same command again to resume" in ran.stderr
    server.handle = Server.serve(body)
    ran = run_cli("model", "download", "en", env=env(home, server.url))
    assert ran.returncode == 0, ran.stderr
    assert server.requests[-1] == {"range": "bytes=50000-", "if-range": '"v1"'}
    assert entries(home) == ["en"]


@pytest.mark.parametrize("page", [b"<!DOCTYPE html>\n<html><body>Please log in</body></html>",
                                  b"\xef\xbb\xbf  <html lang=en><head><title>404</title></head></html>"])
def test_a_web_page_served_as_the_model_is_named(page: bytes, home: Path, server: Server) -> None:
    server.handle = Server.serve(page)
    ran = run_cli("model", "download", "en", env=env(home, server.url))
    assert ran.returncode == 1, ran.stderr
    assert "is a web page (HTML), not a model archive" in ran.stderr
    assert entries(home) == []
    download_works_now(home, server)


def test_something_else_is_named_not_a_zip(home: Path, server: Server) -> None:
    server.handle = Server.serve(b"\x89PNG\r\n\x1a\n" + b"\0" * 2000)
    ran = run_cli("model", "download", "en", env=env(home, server.url))
    assert ran.returncode == 1, ran.stderr
    assert "is not a zip archive" in ran.stderr
    assert entries(home) == []


# ---- the archive's names ------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["../escape.txt", "/abs.txt", "m/../../escape.txt", "m\\..\\x"])
def test_an_archive_naming_a_path_outside_is_refused(name: str, tmp_path: Path, sentinel: Path,
                                                      server: Server) -> None:
    import io

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("vosk-model-small-en/am/final.mdl", b"model")
        zf.writestr(name, b"x")
    server.handle = Server.serve(buf.getvalue())
    root = tmp_path / "m"
    with pytest.raises(VoiceguideError, match="unsafe name"):
        models.download("en", server.url, dest_root=root)
    assert sorted(p.name for p in root.iterdir()) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m", "sentinel"]


# ---- what a try that was killed leaves ----------------------------------------------------------


def test_leftovers_of_a_killed_unpack_are_cleared(home: Path, server: Server) -> None:
    root = models_dir(home)
    (root / ".en-k1ll3d" / "vosk-model" / "am").mkdir(parents=True)
    (root / ".en-k1ll3d" / "vosk-model" / "am" / "final.mdl").write_bytes(b"half")
    (root / ".en-old-k1ll3d" / "model").mkdir(parents=True)
    ran = run_cli("model", "download", "en", env=env(home, server.url))
    assert ran.returncode == 0, ran.stderr
    assert entries(home) == ["en"]


def test_a_whole_download_killed_before_its_unpack_is_unpacked_without_fetching_it_again(
        home: Path, server: Server) -> None:
    body = model_zip()
    root = models_dir(home)
    root.mkdir(parents=True)
    (root / ".en.zip.part").write_bytes(body)
    (root / ".en.zip.part.json").write_text(json.dumps({"url": server.url, "total": len(body), "etag": '"v1"',
                                                        "modified": None}))
    server.handle = Server.serve(body)
    ran = run_cli("model", "download", "en", env=env(home, server.url))
    assert ran.returncode == 0, ran.stderr
    assert [r["range"] for r in server.requests] == [f"bytes={len(body)}-"]  # the 416, verified: complete
    assert entries(home) == ["en"]


def test_a_full_disk_while_downloading_is_a_message_and_keeps_what_arrived(
        tmp_path: Path, server: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    real_fdopen = os.fdopen

    class FullDisk:
        def __init__(self, f: object) -> None:
            self.f = f
            self.written = 0

        def write(self, data: bytes) -> int:
            if self.written + len(data) > 100_000:
                raise OSError(28, "No space left on device")
            self.written += len(data)
            return self.f.write(data)  # type: ignore[attr-defined, no-any-return]

        def __getattr__(self, name: str) -> object:
            return getattr(self.f, name)

        def __enter__(self) -> FullDisk:
            return self

        def __exit__(self, *exc: object) -> None:
            self.f.close()  # type: ignore[attr-defined]

    def fdopen(fd: int, mode: str = "r", *args: object, **kwargs: object) -> object:
        f = real_fdopen(fd, mode, *args, **kwargs)  # type: ignore[call-overload]
        return FullDisk(f) if mode in ("wb", "ab") else f

    with monkeypatch.context() as patch:
        patch.setattr(fetch.os, "fdopen", fdopen)
        with pytest.raises(VoiceguideError, match="No space left on device; run the same command again to resume"):
            models.download("en", server.url, dest_root=tmp_path / "m")
    assert 0 < (tmp_path / "m" / ".en.zip.part").stat().st_size <= 100_000
    assert models.looks_like_model(models.download("en", server.url, dest_root=tmp_path / "m"))
    assert server.requests[-1]["range"] is not None  # resumed


@pytest.mark.parametrize("url", ["file:///dev/zero", "ftp://127.0.0.1/m.zip", "data:,PK", "/etc/passwd", "REDIRECT"])
def test_only_http_urls_are_fetched(url: str, home: Path, server: Server) -> None:
    if url == "REDIRECT":
        def redirect(r: http.server.BaseHTTPRequestHandler) -> None:
            r.send_response(302)
            r.send_header("Location", "file:///dev/zero")
            r.send_header("Content-Length", "0")
            r.end_headers()

        server.handle = redirect
        url = server.url
    ran = run_cli("model", "download", "en", "--url", url, env=env(home), timeout=30)
    assert ran.returncode in (1, 2), ran.stderr
    assert ran.stderr.count("\n") == 1 and ("not an http or https URL" in ran.stderr or "download failed" in ran.stderr)
    assert entries(home) == []


@pytest.mark.parametrize("zip64", [False, True])
def test_an_archive_of_too_many_files_is_refused_before_its_directory_is_read(zip64: bool, tmp_path: Path) -> None:
    """The end record claims a vast directory; zipfile would read it all into memory."""
    archive = tmp_path / "many.zip"
    if zip64:
        record = struct.pack("<4sQ2H2L4Q", b"PK\x06\x06", 44, 45, 45, 0, 0, 10**9, 10**9, 10**11, 0)
        locator = struct.pack("<4sLQL", b"PK\x06\x07", 0, 0, 1)
        end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0)
        archive.write_bytes(record + locator + end)
    else:
        archive.write_bytes(struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, 60000, 60000, 60000 * 50, 0, 0))
    (tmp_path / "out").mkdir()
    with pytest.raises(unzip.Refused, match="more than a speech model has"):
        unzip.unpack(archive, tmp_path / "out")
