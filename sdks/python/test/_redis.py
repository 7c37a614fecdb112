"""redis-server processes for the tests that need real Redis nodes.

They are started as the Go (``internal/redistest``) and TypeScript
(``test/redis-nodes.ts``) helpers start them: on free loopback ports, with nothing saved
to disk. Without ``redis-server`` the test is skipped, unless ``$CI`` is set.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import time
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from collections.abc import Iterator

REDIS_SERVER = Path("/usr/bin/redis-server")
START_TIMEOUT = 30.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _await_ready(proc: subprocess.Popen[bytes], log: Path) -> None:
    # redis-server says so in its log; polling the file is the only signal it gives.
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"redis-server exited with {proc.returncode}:\n{log.read_text()}")
        if "Ready to accept connections" in log.read_text():
            return
        time.sleep(0.02)
    raise RuntimeError(f"redis-server did not become ready:\n{log.read_text()}")


@contextlib.contextmanager
def redis_nodes(n: int, tmp: Path, *flags: str) -> Iterator[str]:
    """Runs ``n`` redis-server processes with the extra config ``flags`` while the block
    runs; yields their ``redis://`` URL. ``tmp`` holds their logs."""
    if not REDIS_SERVER.exists():
        if os.environ.get("CI"):
            pytest.fail(f"no {REDIS_SERVER}")
        pytest.skip(f"no {REDIS_SERVER}")
    procs: list[subprocess.Popen[bytes]] = []
    try:
        addrs = []
        for i in range(n):
            port = _free_port()
            log = tmp / f"redis-{i}.log"
            with log.open("wb") as out:
                args = ["--port", str(port), "--bind", "127.0.0.1", "--save", ""]
                args += ["--appendonly", "no", *flags]
                proc = subprocess.Popen([str(REDIS_SERVER), *args], stdout=out, stderr=out)
            procs.append(proc)
            _await_ready(proc, log)
            addrs.append(f"127.0.0.1:{port}")
        yield "redis://" + ",".join(addrs)
    finally:
        for proc in procs:
            proc.kill()
            proc.wait()
