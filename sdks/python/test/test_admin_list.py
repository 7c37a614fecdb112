"""list() and locks() page through the held locks of a real service, sync and asyncio."""

from __future__ import annotations

import uuid

import pytest
from connectrpc.code import Code
from connectrpc.errors import ConnectError

from distlock import (
    DistlockError,
    InvalidArgumentError,
    ListedLock,
    LockClient,
    LockClientSync,
)
from distlock._gen.distlock.v1 import lock_pb2 as pb

from ._scripted import UNUSED_URL, Answering

HELD = 5


def _prefix() -> str:
    return f"pytest-list/{uuid.uuid4()}/"


def _check(listed: list[ListedLock], fences: dict[str, int]) -> None:
    assert sorted(lk.resource for lk in listed) == sorted(fences)
    for lk in listed:
        assert lk.fencing_token == fences[lk.resource]
        assert lk.owner == "worker"
        assert lk.lock_time < lk.expire_time
        assert lk.waiters == 0


def test_list_pages_and_locks_sync(client: LockClientSync) -> None:
    prefix = _prefix()
    fences = {}
    for i in range(HELD):
        lock = client.acquire(f"{prefix}{i}", owner="worker")
        fences[lock.resource] = lock.fencing_token
    client.acquire(f"{prefix[:-1]}-elsewhere", owner="worker")  # shares no prefix/

    first = client.list(prefix, page_size=2)
    assert len(first.locks) <= 2
    assert first.next_page_token
    listed, page = list(first.locks), first
    while page.next_page_token:
        page = client.list(prefix, page_size=2, page_token=page.next_page_token)
        assert len(page.locks) <= 2
        listed += page.locks
    _check(listed, fences)

    _check(list(client.locks(prefix, page_size=2)), fences)
    _check(list(client.locks(prefix)), fences)
    assert client.list(f"{prefix}none").locks == ()


@pytest.mark.asyncio
async def test_list_pages_and_locks_async(aclient: LockClient) -> None:
    prefix = _prefix()
    fences = {}
    for i in range(HELD):
        lock = await aclient.acquire(f"{prefix}{i}", owner="worker")
        fences[lock.resource] = lock.fencing_token

    first = await aclient.list(prefix, page_size=2)
    assert len(first.locks) <= 2
    assert first.next_page_token
    _check([lk async for lk in aclient.locks(prefix, page_size=2)], fences)


def test_a_bogus_page_token_is_invalid(client: LockClientSync) -> None:
    bogus = "bogus"
    with pytest.raises(InvalidArgumentError):
        client.list("jobs/", page_token=bogus)


class _Unimplemented(Answering):
    """A service that predates List and ForceRelease."""

    def answer(self, request: object, method: str) -> object:
        raise ConnectError(Code.UNIMPLEMENTED, "")


def test_unimplemented_says_the_service_cannot_sync() -> None:
    with LockClientSync(UNUSED_URL, interceptors=[_Unimplemented()]) as c:
        with pytest.raises(DistlockError, match=f"{UNUSED_URL} cannot list locks") as info:
            c.list()
        assert info.value.code == "unimplemented"
        with pytest.raises(DistlockError, match="cannot force-release locks") as info:
            c.force_release("jobs/1", reason="stuck")
        assert info.value.code == "unimplemented"


@pytest.mark.asyncio
async def test_unimplemented_says_the_service_cannot_async() -> None:
    async with LockClient(UNUSED_URL, interceptors=[_Unimplemented()]) as c:
        with pytest.raises(DistlockError, match=f"{UNUSED_URL} cannot list locks") as info:
            async for _ in c.locks():
                pass
        assert info.value.code == "unimplemented"


NEXT = "t1"
"""The next page token of :class:`_SparsePages`' first page."""


class _SparsePages(Answering):
    """A service whose first page is empty while a next token is set, as a page may be."""

    def __init__(self) -> None:
        self.tokens: list[str] = []

    def answer(self, request: object, method: str) -> object:
        assert isinstance(request, pb.ListRequest)
        self.tokens.append(request.page_token)
        if not request.page_token:
            return pb.ListResponse(next_page_token=NEXT)
        return pb.ListResponse(locks=[pb.ListedLock(resource="jobs/1", fencing_token=7)])


def test_locks_goes_past_an_empty_page_sync() -> None:
    service = _SparsePages()
    with LockClientSync(UNUSED_URL, interceptors=[service]) as c:
        assert [(lk.resource, lk.fencing_token) for lk in c.locks("jobs/")] == [("jobs/1", 7)]
    assert service.tokens == ["", NEXT]


@pytest.mark.asyncio
async def test_locks_goes_past_an_empty_page_async() -> None:
    service = _SparsePages()
    async with LockClient(UNUSED_URL, interceptors=[service]) as c:
        assert [lk.resource async for lk in c.locks("jobs/")] == ["jobs/1"]
    assert service.tokens == ["", NEXT]
