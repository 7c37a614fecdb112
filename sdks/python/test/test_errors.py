"""Every Connect code maps to the SDK's typed errors as the error contract says."""

from __future__ import annotations

import pytest
from connectrpc.code import Code
from connectrpc.errors import ConnectError

from distlock import (
    DistlockError,
    InvalidArgumentError,
    NotAcquiredError,
    NotHeldError,
    PermissionDeniedError,
    UnauthenticatedError,
    UnavailableError,
)
from distlock._errors import from_connect_error

CONTRACT = [
    (Code.ABORTED, NotAcquiredError),
    (Code.NOT_FOUND, NotHeldError),
    (Code.UNAVAILABLE, UnavailableError),
    (Code.INVALID_ARGUMENT, InvalidArgumentError),
    (Code.UNAUTHENTICATED, UnauthenticatedError),
    (Code.PERMISSION_DENIED, PermissionDeniedError),
]


@pytest.mark.parametrize(("code", "cls"), CONTRACT, ids=[c.value for c, _ in CONTRACT])
def test_contract_codes_map_to_typed_errors(code: Code, cls: type[DistlockError]) -> None:
    err = from_connect_error(ConnectError(code, "said the server"))
    assert type(err) is cls
    assert isinstance(err, DistlockError)
    assert err.code == code.value
    assert "said the server" in str(err)


@pytest.mark.parametrize("code", [Code.INTERNAL, Code.DEADLINE_EXCEEDED, Code.UNKNOWN])
def test_other_codes_are_plain_distlock_errors(code: Code) -> None:
    err = from_connect_error(ConnectError(code, ""))
    assert type(err) is DistlockError
    assert err.code == code.value


def test_typed_error_keeps_the_connect_error_as_its_cause() -> None:
    # A second release() raises the first one's stored error: its cause must survive.
    cause = ConnectError(Code.NOT_FOUND, "gone")
    assert from_connect_error(cause).__cause__ is cause


def test_unreachable_service_is_unavailable_sync() -> None:
    from distlock import LockClientSync

    # Port 1 on loopback is never served here: the connection is refused at once.
    with LockClientSync("http://127.0.0.1:1") as c, pytest.raises(UnavailableError) as info:
        c.acquire("pytest/unreachable", wait=0)
    assert "http://127.0.0.1:1" in str(info.value)
    assert "refused" in str(info.value)


@pytest.mark.asyncio
async def test_unreachable_service_is_unavailable_async() -> None:
    from distlock import LockClient

    async with LockClient("http://127.0.0.1:1") as c:
        with pytest.raises(UnavailableError):
            await c.info("pytest/unreachable")
