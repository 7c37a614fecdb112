"""Fixtures: one real ``distlock serve`` for the whole session, and clients of it.

The server is the repository's own binary, built once per session with ``go build``
(or taken from ``$DISTLOCK_BIN``), started with ``--listen 127.0.0.1:0 --ready-file F``;
it writes its base URL to F once listening. With no Redis flags it runs three embedded
Redis servers. ``$DISTLOCK_URL`` points the tests at an already running service instead.
"""

from __future__ import annotations

import os
import subprocess
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import pytest_asyncio

from distlock import LockClient, LockClientSync

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator

REPO_ROOT = Path(__file__).resolve().parents[3]
START_TIMEOUT = 60.0


def _binary(tmp: Path) -> Path:
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


@pytest.fixture(scope="session")
def service_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The base URL of a running service, started for this session if needed."""
    if url := os.environ.get("DISTLOCK_URL"):
        yield url
        return
    tmp = tmp_path_factory.mktemp("distlock")
    ready = tmp / "ready"
    log_path = tmp / "serve.log"
    log = log_path.open("wb")
    proc = subprocess.Popen(
        [str(_binary(tmp)), "serve", "--listen", "127.0.0.1:0", "--ready-file", str(ready)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        yield _await_ready(proc, ready, log_path)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


@pytest.fixture
def resource() -> str:
    """A resource name no other test uses."""
    return f"pytest/{uuid.uuid4()}"


@pytest.fixture
def client(service_url: str) -> Iterator[LockClientSync]:
    """A synchronous client, closed (releasing its locks) after the test."""
    with LockClientSync(service_url) as c:
        yield c


@pytest_asyncio.fixture
async def aclient(service_url: str) -> AsyncIterator[LockClient]:
    """An asyncio client, closed (releasing its locks) after the test."""
    async with LockClient(service_url) as c:
        yield c
