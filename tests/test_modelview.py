"""The grammar-only view of a Vosk model (voiceguide/listen/modelview.py): made from fake model
folders here, and checked against the real Korean model at the end."""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from voiceguide.listen import modelview, probe
from voiceguide.listen.modelview import EMPTY_FST, grammar_view, read_symbols, views_dir

WORDS = [("<eps>", 0), ("다음", 7), ("멈춰", 3), ("!SIL", 9)]


def text(s: str) -> bytes:
    raw = s.encode("utf-8")
    return struct.pack("<i", len(raw)) + raw


def lm_fst(words: list[tuple[str, int]], *, flags: int = 3) -> bytes:
    """A binary OpenFst file as Vosk's Gr.fst starts: its header, then its word list (twice: the
    input and the output symbols), then the FST itself (here a few junk bytes)."""
    header = (struct.pack("<i", 2125659606) + text("ngram") + text("standard") + struct.pack("<ii", 4, flags)
              + struct.pack("<Qqqq", 0, 0, 5, 9))
    table = (struct.pack("<i", 2125658996) + text("words.txt") + struct.pack("<qq", len(words) + 10, len(words))
             + b"".join(text(w) + struct.pack("<q", k) for w, k in words))
    return header + (table + table if flags & 1 else b"") + b"\x01\x02\x03" * 100


def fake_model(folder: Path, words: list[tuple[str, int]] = WORDS) -> Path:
    for name in ("am/final.mdl", "conf/model.conf", "ivector/final.ie", "graph/HCLr.fst",
                 "graph/disambig_tid.int", "graph/phones/word_boundary.int", "README"):
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(name.encode())
    (folder / "graph" / "Gr.fst").write_bytes(lm_fst(words))
    return folder


def test_a_view_links_the_model_and_leaves_out_its_language_model(tmp_path: Path) -> None:
    model = fake_model(tmp_path / "model")
    view = grammar_view(model, tmp_path / "views")
    assert view != model and view.parent == tmp_path / "views"
    for name in ("am", "conf", "ivector", "README", "graph/HCLr.fst", "graph/disambig_tid.int", "graph/phones"):
        assert (view / name).is_symlink(), name
        assert (view / name).resolve() == (model / name).resolve()
    assert (view / "graph" / "words.txt").read_text(encoding="utf-8") == "<eps> 0\n다음 7\n멈춰 3\n!SIL 9\n"
    assert (view / "graph" / "Gr.fst").read_bytes() == EMPTY_FST
    assert (model / "graph" / "Gr.fst").read_bytes() == lm_fst(WORDS)  # the model itself is untouched
    assert sorted(p.name for p in (tmp_path / "views").iterdir()) == [view.name]  # nothing half-made left


def test_a_view_is_made_once_and_remade_when_the_model_changes(tmp_path: Path) -> None:
    model = fake_model(tmp_path / "model")
    view = grammar_view(model, tmp_path / "views")
    made = (view / "graph" / "words.txt").stat().st_ino
    assert grammar_view(model, tmp_path / "views") == view
    assert (view / "graph" / "words.txt").stat().st_ino == made

    fake_model(model, [*WORDS, ("그만", 11)])
    stat = (model / "graph" / "Gr.fst").stat()
    os.utime(model / "graph" / "Gr.fst", ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    assert grammar_view(model, tmp_path / "views") == view
    assert (view / "graph" / "words.txt").read_text(encoding="utf-8").endswith("그만 11\n")
    assert sorted(p.name for p in (tmp_path / "views").iterdir()) == [view.name]


def test_two_models_get_two_views(tmp_path: Path) -> None:
    a = grammar_view(fake_model(tmp_path / "a" / "model"), tmp_path / "views")
    b = grammar_view(fake_model(tmp_path / "b" / "model", WORDS[:2]), tmp_path / "views")
    assert a != b
    assert (b / "graph" / "words.txt").read_text(encoding="utf-8") == "<eps> 0\n다음 7\n"


def test_a_word_list_of_the_models_own_is_linked_not_remade(tmp_path: Path) -> None:
    model = fake_model(tmp_path / "model")
    (model / "graph" / "words.txt").write_text("<eps> 0\n", encoding="utf-8")
    view = grammar_view(model, tmp_path / "views")
    assert (view / "graph" / "words.txt").is_symlink()


def test_makers_of_the_same_view_at_once_all_get_it_whole(tmp_path: Path) -> None:
    """Threads here; two guides starting at once race through the same renames."""
    model = fake_model(tmp_path / "model", [("<eps>", 0)] + [(f"단어{i}", i) for i in range(1, 20000)])
    views: list[Path] = []
    threads = [threading.Thread(target=lambda: views.append(grammar_view(model, tmp_path / "views")))
               for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(views)) == 1 and views[0] != model
    assert len((views[0] / "graph" / "words.txt").read_text(encoding="utf-8").splitlines()) == 20000
    assert [p.name for p in (tmp_path / "views").iterdir()] == [views[0].name]


@pytest.mark.parametrize("case", ["static graph", "no symbols", "not an fst", "space in a word", "truncated",
                                  "cache not writable"])
def test_anything_unusual_uses_the_model_as_it_is(tmp_path: Path, case: str) -> None:
    model = fake_model(tmp_path / "model")
    root = tmp_path / "views"
    lm = model / "graph" / "Gr.fst"
    if case == "static graph":
        (model / "graph" / "HCLG.fst").write_bytes(b"x")
    elif case == "no symbols":
        lm.write_bytes(lm_fst(WORDS, flags=0))
    elif case == "not an fst":
        lm.write_bytes(b"PK\x03\x04" + b"\0" * 200)
    elif case == "space in a word":
        lm.write_bytes(lm_fst([*WORDS, ("두 단어", 12)]))
    elif case == "truncated":
        lm.write_bytes(lm_fst(WORDS)[:60])
    else:
        root.write_text("a file where the folder should be", encoding="utf-8")
    assert grammar_view(model, root) == model
    if root.is_dir():
        assert list(root.iterdir()) == []  # nothing half-made left


def test_views_live_in_the_user_cache_unless_told(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VOICEGUIDE_MODEL_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    if sys.platform.startswith("linux"):
        assert views_dir() == tmp_path / "cache" / "voiceguide" / "models"
    monkeypatch.setenv("VOICEGUIDE_MODEL_CACHE", str(tmp_path / "elsewhere"))
    assert views_dir() == tmp_path / "elsewhere"


def test_read_symbols_of_the_fake(tmp_path: Path) -> None:
    (tmp_path / "Gr.fst").write_bytes(lm_fst(WORDS))
    assert read_symbols(tmp_path / "Gr.fst") == [(w.encode(), k) for w, k in WORDS]


# ---- the real Korean model -------------------------------------------------------------------------

COMPARE = """
import json, sys
sys.path.insert(0, sys.argv[3])
import numpy as np, vosk
import listen_corpus as corpus
from voiceguide.lang import load_pack
from voiceguide.listen.recognizer import VoskRecognizer

vosk.SetLogLevel(-1)
pack = load_pack("ko")
model = vosk.Model(sys.argv[1])
out = {"vocabulary": [model.vosk_model_find_word(w) for w in json.loads(sys.argv[2])], "heard": []}
for said in ["다음", "잠깐", "그만하자", "고마워 정말", "오늘 회사에서 정말 힘든 일이 있었어"]:
    for voice in ("ko", "ko+f3"):
        rec = VoskRecognizer(model, 16000, pack.phrases(), pack.distractors)
        audio = np.concatenate([corpus.silence(0.3), corpus.synth(said, voice).audio, corpus.silence(0.8)])
        for i in range(0, len(audio), 800):
            h = rec.feed(audio[i:i + 800].tobytes())
            if h.final and h.text:
                out["heard"].append([(w.text, w.conf, w.start, w.end) for w in h.words])
        out["heard"].append([(w.text, w.conf, w.start, w.end) for w in rec.finish().words])
print(json.dumps(out, ensure_ascii=False))
"""


def test_the_view_of_the_korean_model_hears_exactly_what_the_whole_model_hears(tmp_path: Path) -> None:
    """Same vocabulary, and the same words, confidences and timings for the same audio (each model
    in a process of its own: together they would hold a gigabyte)."""
    from tests.listen_real import KO, korean_model

    model = korean_model()
    view = grammar_view(model, tmp_path / "views")
    assert view != model, "the Korean model is a lookahead model: it should get a view"
    assert (view / "graph" / "Gr.fst").stat().st_size < 100
    words = sorted({w for p in KO.phrases() for w in p.split()} | set(KO.distractors)) + ["다음으로", "없는말이다"]
    scripts = str(Path(__file__).resolve().parent.parent / "scripts")

    def run(folder: Path) -> dict:  # type: ignore[type-arg]
        out = subprocess.run([sys.executable, "-c", COMPARE, str(folder), json.dumps(words), scripts],
                             capture_output=True, text=True, encoding="utf-8", timeout=300)
        assert out.returncode == 0, out.stderr
        return json.loads(out.stdout)  # type: ignore[no-any-return]

    whole, lean = run(model), run(view)
    assert lean == whole
    assert whole["vocabulary"][-2:] == [-1, -1] and min(whole["vocabulary"][:-2]) >= 0
    assert any(whole["heard"]), "nothing was heard at all: the comparison would prove nothing"


def fake_vosk(monkeypatch: pytest.MonkeyPatch, fail=lambda path, n: False) -> list[str]:  # type: ignore[no-untyped-def]
    """A stand-in for the vosk module whose Model records each folder it is given (and raises as
    Vosk does where `fail(path, how_many_so_far)` says so); returns that record."""
    tried: list[str] = []

    class FakeVosk:
        @staticmethod
        def SetLogLevel(level: int) -> None:  # noqa: N802  (Vosk's name)
            pass

        @staticmethod
        def Model(path: str) -> str:  # noqa: N802
            tried.append(path)
            if fail(path, len(tried)):
                raise Exception("Failed to create a model")  # noqa: TRY002  (what vosk raises)
            return path

    monkeypatch.setitem(sys.modules, "vosk", FakeVosk)
    return tried

def test_loading_a_model_goes_through_its_view(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """load_model gives Vosk the view; if Vosk cannot load the view, the model as it is."""
    from voiceguide.listen import recognizer

    model = fake_model(tmp_path / "model")
    monkeypatch.setenv("VOICEGUIDE_MODEL_CACHE", str(tmp_path / "views"))
    fail_view = [False]
    tried = fake_vosk(monkeypatch, fail=lambda path, n: n == 1 and "views" in path and fail_view[0])
    monkeypatch.setattr(probe, "loads", lambda folder: True)  # the child would load the real Vosk
    assert recognizer.load_model(model) == str(modelview.grammar_view(model))
    tried.clear()
    fail_view[0] = True
    assert recognizer.load_model(model) == str(model)
    assert len(tried) == 2


def test_a_model_is_loaded_here_only_once_a_child_process_has_loaded_it(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """A damaged model kills the process that loads it: what the probe cannot load never reaches
    Vosk in this process; the view failing its probe falls back to the model as it is."""
    from voiceguide.listen import recognizer

    model = fake_model(tmp_path / "model")
    monkeypatch.setenv("VOICEGUIDE_MODEL_CACHE", str(tmp_path / "views"))
    loaded = fake_vosk(monkeypatch)
    probed: list[Path] = []
    monkeypatch.setattr(probe, "loads", lambda folder: probed.append(folder) or False)
    with pytest.raises(recognizer.ModelProblem, match="could not be loaded; it may be damaged"):
        recognizer.load_model(model)
    assert loaded == [] and probed == [modelview.grammar_view(model), model]

    monkeypatch.setattr(probe, "loads", lambda folder: folder == model)
    assert recognizer.load_model(model) == str(model)
