"""Fixtures: one real ``distlock serve`` for the whole session, and clients of it.

``$DISTLOCK_URL`` points the tests at an already running service instead; see
``_serve`` for how the service is built and started.
"""

from __future__ import annotations

import os
import uuid
from typing import TYPE_CHECKING

import pytest
import pytest_asyncio

from distlock import LockClient, LockClientSync

from ._counting_proxy import BatchMode, CountingProxy, counting_proxy, serves_batch
from ._serve import build, serve

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator
    from pathlib import Path


@pytest.fixture(scope="session")
def distlock_binary(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The ``distlock`` binary, built once per session."""
    return build(tmp_path_factory.mktemp("bin"))


@pytest.fixture(scope="session")
def service_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The base URL of a running service, started for this session if needed."""
    if url := os.environ.get("DISTLOCK_URL"):
        yield url
        return
    # Asked for here, not as a parameter: with $DISTLOCK_URL nothing needs building.
    binary: Path = request.getfixturevalue("distlock_binary")
    with serve(binary, tmp_path_factory.mktemp("distlock")) as url:
        yield url


@pytest.fixture(scope="session")
def watch_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The base URL of a service for the watch tests (the in-memory backend, whose
    events need no Redis; the default service watches too, see test_watch).

    ``$DISTLOCK_WATCH_URL`` points at a running service that can watch instead.
    """
    if url := os.environ.get("DISTLOCK_WATCH_URL"):
        yield url
        return
    binary: Path = request.getfixturevalue("distlock_binary")
    tmp = tmp_path_factory.mktemp("distlock-watch")
    with serve(binary, tmp, "--lock-service", "memory://pytest") as url:
        yield url


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


@pytest.fixture(scope="session")
def batch_mode(service_url: str) -> BatchMode:
    """How a counting proxy treats Batch: passed on when the service serves it, else
    answered by the proxy itself (see ``_counting_proxy``)."""
    return "forward" if serves_batch(service_url) else "fake"


@pytest.fixture
def proxy(service_url: str, batch_mode: BatchMode) -> Iterator[CountingProxy]:
    """A proxy in front of the service that counts the requests it passes on."""
    with counting_proxy(service_url, batch_mode) as p:
        yield p
