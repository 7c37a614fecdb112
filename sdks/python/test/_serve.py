"""Starting the repository's own ``distlock serve`` for the tests.

The binary is built once per session with ``go build`` (or taken from ``$DISTLOCK_BIN``)
and started with ``--listen 127.0.0.1:0 --ready-file F``; it writes its base URL to F
once listening. With no Redis flags it runs three embedded Redis servers.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator

REPO_ROOT = Path(__file__).resolve().parents[3]
START_TIMEOUT = 60.0


def build(tmp: Path) -> Path:
    """Returns the path of a ``distlock`` binary, built into ``tmp`` unless given."""
    if prebuilt := os.environ.get("DISTLOCK_BIN"):
        return Path(prebuilt)
    out = tmp / "distlock"
    subprocess.run(["go", "build", "-o", str(out), "./cmd/distlock"], cwd=REPO_ROOT, check=True)
    return out


def _await_ready(proc: subprocess.Popen[bytes], ready: Path, log: Path) -> str:
    # The server writes the file atomically, once; polling for it is the only signal a
    # child process gives without extra plumbing, and the loop ends as soon as it exists.
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(
                f"distlock serve exited with {proc.returncode}:\n{log.read_text()[-4000:]}"
            )
        if ready.exists() and (url := ready.read_text().strip()):
            return url
        time.sleep(0.05)
    raise RuntimeError(f"distlock serve did not become ready:\n{log.read_text()[-4000:]}")


@contextlib.contextmanager
def serve(binary: Path, tmp: Path, *flags: str) -> Iterator[str]:
    """Runs ``distlock serve`` with ``flags`` while the block runs; yields its base URL.

    ``tmp`` holds its ready file and its log, which a failure to start reports.
    """
    with serve_process(binary, tmp, *flags) as (url, _):
        yield url


@contextlib.contextmanager
def serve_process(
    binary: Path, tmp: Path, *flags: str
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """Runs ``distlock serve`` as :func:`serve` does; yields its URL and its process,
    for tests that stop or kill it."""
    ready = tmp / "ready"
    log_path = tmp / "serve.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [str(binary), "serve", "--listen", "127.0.0.1:0", "--ready-file", str(ready), *flags],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            yield _await_ready(proc, ready, log_path), proc
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
