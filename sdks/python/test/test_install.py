"""``pip install`` of ``sdks/python`` copied alone works in a fresh virtual environment, offline.

The SDK directory is copied out of the repository first (symbolic links kept as links), as
a user who vendors or downloads just that directory has it: the package must build from
the files in it, generated code included. The wheelhouse (``.venv/wheelhouse``, filled by
``make setup-python``) holds the pinned dependencies and the build backend, so the install
needs no network and pip builds the wheel exactly as a user's ``pip install`` would, in an
isolated build environment.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

SDK = Path(__file__).resolve().parents[1]
WHEELHOUSE = Path(os.environ.get("DISTLOCK_WHEELHOUSE", SDK.parents[1] / ".venv" / "wheelhouse"))

PROBE = """
import sys
from importlib import resources
from distlock import LockClientSync
import distlock

pkg = resources.files(distlock)
assert (pkg / "py.typed").is_file()
gen = pkg / "_gen" / "distlock" / "v1"
for name in ("lock_pb2.py", "lock_connect.py", "policy.py"):
    assert (gen / name).is_file(), name
with LockClientSync(sys.argv[1]) as client, client.lock("pytest/fresh-venv") as lock:
    print(lock.fencing_token)
"""


def test_pip_install_into_fresh_venv(tmp_path: Path, service_url: str) -> None:
    if not WHEELHOUSE.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"no wheelhouse at {WHEELHOUSE}: run make setup-python")
        pytest.skip(f"no wheelhouse at {WHEELHOUSE}: run make setup-python")
    sdk = tmp_path / "python"
    shutil.copytree(SDK, sdk, symlinks=True, ignore=shutil.ignore_patterns("__pycache__"))
    venv = tmp_path / "venv"
    # Without its own pip the venv is quicker to make; this pip installs into it.
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--no-index",
            "--find-links",
            str(WHEELHOUSE),
            str(sdk),
        ],
        check=True,
    )
    # Run from tmp_path so the checkout's sources cannot shadow the installed package.
    out = subprocess.run(
        [str(python), "-c", PROBE, service_url],
        cwd=tmp_path,
        check=True,
        capture_output=True,
        text=True,
    )
    assert int(out.stdout) > 0
