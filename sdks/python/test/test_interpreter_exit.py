"""A program that used the asyncio client ends with exit status 0, every time.

It once ended with SIGABRT ("Fatal Python error: Aborted", exit 134) in about one run of
six, after the script itself had finished: pyqwest completes an async call from a native
thread that calls the awaiting loop's ``call_soon_threadsafe``; that call releases the GIL
to write the loop's self-pipe, the program went on to exit, and when the native thread
took the GIL back during finalization CPython (before 3.14) ended it with pthread_exit,
whose unwinding through Rust frames aborts. The script below (a sync acquire retried
against a service that is down, then asyncio use) is the one that showed it; it runs many
times, a few at once, because a single run passed most of the time.
"""

from __future__ import annotations

import subprocess
import sys
from typing import TYPE_CHECKING

from distlock._lock_sync import _stop_renewals

from ._support import renewal_threads

if TYPE_CHECKING:
    from distlock import LockClientSync

SCRIPT = """
import asyncio
from distlock import LockClient, LockClientSync, UnavailableError

URL = "http://127.0.0.1:1"  # nothing listens: every call is refused at once

with LockClientSync(URL) as client:
    try:
        client.acquire("pytest/exit", wait=0.3)
    except UnavailableError:
        pass


async def main() -> None:
    async with LockClient(URL) as client:
        try:
            await client.acquire("pytest/exit", wait=0)
        except UnavailableError:
            pass


asyncio.run(main())
"""

RUNS = 48
AT_ONCE = 4
BOUND = 60.0


def test_script_using_the_async_client_exits_cleanly() -> None:
    failures: list[str] = []
    for _ in range(RUNS // AT_ONCE):
        procs = [
            subprocess.Popen(
                [sys.executable, "-X", "faulthandler", "-c", SCRIPT],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(AT_ONCE)
        ]
        for proc in procs:
            _, err = proc.communicate(timeout=BOUND)
            if proc.returncode != 0:
                failures.append(f"exit {proc.returncode}: {err[-2000:]}")
    assert failures == []


def test_renewal_threads_stop_before_the_interpreter_finalizes(
    client: LockClientSync, resource: str
) -> None:
    # The same abort threatens a sync lock's renewal thread (a daemon) caught inside an
    # Extend at exit; the SDK's atexit hook stops and joins every one of them.
    lock = client.acquire(resource)
    _stop_renewals()
    assert renewal_threads() == []
    lock.release()
