"""Credentials against a real ``distlock serve --auth FILE``: each refusal is typed."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

import pytest
from connectrpc.code import Code
from connectrpc.errors import ConnectError

from distlock import (
    DistlockError,
    LockClient,
    LockClientSync,
    PermissionDeniedError,
    ResourceExhaustedError,
    UnauthenticatedError,
)
from distlock._errors import from_connect_error

from ._auth_serve import AuthService, serve_with_auth

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path


@pytest.fixture(scope="module")
def auth(distlock_binary: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[AuthService]:
    with serve_with_auth(distlock_binary, tmp_path_factory.mktemp("auth")) as service:
        yield service


WRONG = "dlt_" + "x" * 43
"""A token of the right shape that no entry of the auth file has."""


def mine() -> str:
    return f"team-a/{uuid.uuid4()}"


def test_static_token_is_let_in_sync(auth: AuthService) -> None:
    with LockClientSync(auth.url, token=auth.team_a) as c, c.lock(mine(), wait=0) as lock:
        assert c.info(lock.resource).owner.startswith("alice")


@pytest.mark.asyncio
async def test_static_token_is_let_in_async(auth: AuthService) -> None:
    async with LockClient(auth.url, token=auth.team_a) as c, c.lock(mine(), wait=0) as lock:
        assert (await c.info(lock.resource)).owner.startswith("alice")


def test_missing_token_is_unauthenticated_sync(auth: AuthService) -> None:
    with LockClientSync(auth.url) as c, pytest.raises(UnauthenticatedError) as info:
        c.acquire(mine(), wait=0)
    assert info.value.code == "unauthenticated"


@pytest.mark.asyncio
async def test_missing_token_is_unauthenticated_async(auth: AuthService) -> None:
    async with LockClient(auth.url) as c:
        with pytest.raises(UnauthenticatedError):
            await c.acquire(mine(), wait=0)


def test_wrong_token_is_unauthenticated_sync(auth: AuthService) -> None:
    with LockClientSync(auth.url, token=WRONG) as c, pytest.raises(UnauthenticatedError):
        c.info(mine())


@pytest.mark.asyncio
async def test_wrong_token_is_unauthenticated_async(auth: AuthService) -> None:
    async with LockClient(auth.url, token=WRONG) as c:
        with pytest.raises(UnauthenticatedError):
            await c.info(mine())


def test_out_of_namespace_is_permission_denied_sync(auth: AuthService) -> None:
    with LockClientSync(auth.url, token=auth.team_a) as c:
        with pytest.raises(PermissionDeniedError) as info:
            c.acquire(f"team-b/{uuid.uuid4()}", wait=0)
        with pytest.raises(PermissionDeniedError):
            c.acquire(f"team-ab/{uuid.uuid4()}", wait=0)
    assert info.value.code == "permission_denied"


@pytest.mark.asyncio
async def test_out_of_namespace_is_permission_denied_async(auth: AuthService) -> None:
    async with LockClient(auth.url, token=auth.team_a) as c:
        with pytest.raises(PermissionDeniedError):
            await c.acquire(f"team-b/{uuid.uuid4()}", wait=0)


def test_quota_is_resource_exhausted_with_its_name_sync(auth: AuthService) -> None:
    with (
        LockClientSync(auth.url, token=auth.capped) as c,
        c.lock(mine(), wait=0),
        pytest.raises(ResourceExhaustedError) as info,
    ):
        c.acquire(mine(), wait=0)
    err = info.value
    assert isinstance(err, DistlockError)
    assert (err.code, err.quota, err.limit, err.principal) == (
        "resource_exhausted",
        "max_held",
        "1",
        "capped",
    )


@pytest.mark.asyncio
async def test_quota_is_resource_exhausted_with_its_name_async(auth: AuthService) -> None:
    async with LockClient(auth.url, token=auth.capped) as c, c.lock(mine(), wait=0):
        with pytest.raises(ResourceExhaustedError) as info:
            await c.acquire(mine(), wait=0)
    assert info.value.quota == "max_held"


def test_provider_is_asked_before_every_call_sync(auth: AuthService) -> None:
    # The first call goes out with a wrong token; the provider's refresh cures the next.
    tokens = iter(["dlt_stale", auth.team_a, auth.team_a, auth.team_a])
    with LockClientSync(auth.url, token=lambda: next(tokens)) as c:
        with pytest.raises(UnauthenticatedError):
            c.read(mine())
        with c.lock(mine(), wait=0) as lock:
            assert c.read(lock.resource) == b""


@pytest.mark.asyncio
async def test_async_provider_is_awaited_before_every_call(auth: AuthService) -> None:
    calls = 0

    async def provider() -> str:
        nonlocal calls
        calls += 1
        return auth.team_a

    async with LockClient(auth.url, token=provider) as c:
        async with c.lock(mine(), wait=0) as lock:
            await c.info(lock.resource)
        assert calls == 3  # acquire, info, release


def test_failing_provider_is_unauthenticated_without_its_message(auth: AuthService) -> None:
    def provider() -> str:
        raise RuntimeError("secret-in-message")

    with LockClientSync(auth.url, token=provider) as c, pytest.raises(UnauthenticatedError) as info:
        c.acquire(mine(), wait=0)
    assert "secret-in-message" not in str(info.value)


def test_token_never_in_repr(auth: AuthService) -> None:
    with LockClientSync(auth.url, token=auth.team_a) as c:
        assert auth.team_a not in repr(c._calls)  # where the token is kept
        with c.lock(mine(), wait=0) as lock:
            assert auth.team_a not in repr(lock)


def test_token_and_authorization_header_together_are_refused() -> None:
    with pytest.raises(ValueError, match="not both"):
        LockClientSync("http://127.0.0.1:1", token=WRONG, headers={"Authorization": "Bearer u"})


def test_server_wide_waiters_cap_is_named() -> None:
    # connectsvc's msgMaxWaiters, with the service's wording.
    err = from_connect_error(
        ConnectError(
            Code.RESOURCE_EXHAUSTED,
            "the server-wide cap on waiting Acquires (max_waiters 10000) is reached;"
            " retry later or without a wait",
        )
    )
    assert isinstance(err, ResourceExhaustedError)
    assert (err.quota, err.limit, err.principal) == ("max_waiters", "10000", None)


def test_rate_quota_is_named() -> None:
    err = from_connect_error(
        ConnectError(Code.RESOURCE_EXHAUSTED, 'quota rate (200/s, burst 400) reached for "ci"')
    )
    assert isinstance(err, ResourceExhaustedError)
    assert (err.quota, err.limit, err.principal) == ("rate", "200/s, burst 400", "ci")


def test_list_and_force_release_follow_the_verbs_sync(auth: AuthService) -> None:
    # team-a may read under team-a/ (so list it) but is no admin: it may not break a lock.
    with LockClientSync(auth.url, token=auth.team_a) as c, c.lock(mine(), wait=0) as lock:
        assert lock.resource in [lk.resource for lk in c.locks("team-a/")]
        with pytest.raises(PermissionDeniedError):
            c.list("")
        with pytest.raises(PermissionDeniedError):
            c.force_release(lock.resource, reason="not mine to break")
        assert not lock.lost.is_set()


@pytest.mark.asyncio
async def test_force_release_without_admin_is_permission_denied_async(auth: AuthService) -> None:
    async with LockClient(auth.url, token=auth.team_a) as c, c.lock(mine(), wait=0) as lock:
        with pytest.raises(PermissionDeniedError):
            await c.force_release(lock.resource, reason="not mine to break")
