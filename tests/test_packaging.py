"""A plain (not editable) install must still find its data: exercises, language packs, audio."""

from __future__ import annotations

import configparser
import site
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_every_python_package_is_listed_in_setup_cfg():
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    listed = set(config["options"]["packages"].split())
    found = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "voiceguide").rglob("__init__.py")}
    assert found - listed == set()


@pytest.mark.slow
def test_a_plain_install_in_a_fresh_venv_finds_its_data(tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    py = venv / "bin" / "python"
    # The dependencies come from the environment running the tests (the checkout's .venv after
    # scripts/setup.sh --dev), not from a download; --system-site-packages would look in the
    # Python that environment was made from, which has none of them on a clean system.
    purelib = subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             check=True, capture_output=True, text=True).stdout.strip()
    Path(purelib, "running-environment.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    subprocess.run(
        [str(py), "-m", "pip", "install", "-q", "--no-deps", str(ROOT)],
        check=True, capture_output=True, cwd=tmp_path,
    )
    probe = (
        "import voiceguide, json, os\n"
        "from voiceguide import library\n"
        "from voiceguide.script.assets import bundled_audio_dir\n"
        "from voiceguide.lang import load_pack\n"
        "print(json.dumps({'file': voiceguide.__file__, 'exercises': [e.id for e in library.entries()],\n"
        "  'audio': sorted(os.listdir(bundled_audio_dir())), 'ko': load_pack('ko').code}))\n"
    )
    out = subprocess.run([str(py), "-c", probe], check=True, capture_output=True, text=True, cwd=tmp_path)
    import json

    info = json.loads(out.stdout)
    assert str(venv) in info["file"]
    assert "presence" in info["exercises"]
    assert info["ko"] == "ko"
    expected_audio = sorted(p.name for p in (ROOT / "audio").iterdir() if p.suffix in (".wav", ".flac", ".ogg"))
    assert [a for a in info["audio"] if not a.endswith((".py", "__pycache__"))] == expected_audio
