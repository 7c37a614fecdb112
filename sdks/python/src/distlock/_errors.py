"""The typed exceptions of the SDK and their mapping from Connect error codes."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from connectrpc.code import Code

if TYPE_CHECKING:
    from connectrpc.errors import ConnectError

__all__ = [
    "DistlockError",
    "InvalidArgumentError",
    "NotAcquiredError",
    "NotHeldError",
    "PermissionDeniedError",
    "ResourceExhaustedError",
    "UnauthenticatedError",
    "UnavailableError",
    "from_connect_error",
]


class DistlockError(Exception):
    """The base class of every error the SDK raises.

    Attributes:
        code: The Connect error code the service answered with (for example
            ``"aborted"``), or ``None`` when the error was detected on the client
            before any call.
    """

    def __init__(self, message: str, *, code: str | None = None) -> None:
        """Creates the error.

        Args:
            message: What went wrong, for humans.
            code: The Connect error code, when the error came from the service.
        """
        super().__init__(message)
        self.code = code


class NotAcquiredError(DistlockError):
    """The lock is held by another and the wait ran out (code ``aborted``)."""


class NotHeldError(DistlockError):
    """The lease is no longer held (code ``not_found``).

    It expired, was released, or another holder has the resource. A lock that gets this
    error is reported lost.
    """


class UnavailableError(DistlockError):
    """The service or a quorum of its nodes did not answer (code ``unavailable``).

    Renewal retries it while the lock is still valid.
    """


class InvalidArgumentError(DistlockError, ValueError):
    """The input is out of bounds (code ``invalid_argument``).

    The SDK checks what it can (resource name, TTL, wait, owner, payload size) before
    any call, so most of these are raised without touching the network. A server
    configured with narrower bounds raises it after the call.
    """


class UnauthenticatedError(DistlockError):
    """The credentials are missing or wrong (code ``unauthenticated``)."""


class PermissionDeniedError(DistlockError):
    """The resource is outside the caller's namespace (code ``permission_denied``)."""


class ResourceExhaustedError(DistlockError):
    """A quota or a server-wide cap was reached (code ``resource_exhausted``).

    Attributes:
        quota: The name of the quota reached, from the service's message: a per-principal
            quota of the auth file (``max_held``, ``max_waiting``, ``max_payload_bytes``,
            ``max_ttl``, ``rate``), or ``max_waiters``, the server-wide cap on waiting
            Acquires; ``None`` when the message names none.
        limit: The quota's value as the service wrote it (``"1"``, ``"2m0s"``,
            ``"200/s, burst 400"``), or ``None``.
        principal: The caller the quota counts for; ``None`` for the server-wide cap.
    """

    def __init__(self, message: str, *, code: str | None = None) -> None:
        """Creates the error and reads the quota's name from ``message``."""
        super().__init__(message, code=code)
        self.quota: str | None = None
        self.limit: str | None = None
        self.principal: str | None = None
        if m := _QUOTA.search(message):
            self.quota, self.limit, self.principal = m["quota"], m["limit"], m["principal"]
        elif m := _SERVER_CAP.search(message):
            self.quota, self.limit = m["quota"], m["limit"]


# The service's two messages (internal/auth's exhausted(), connectsvc's msgMaxWaiters):
#   quota max_held (1000) reached for "ci-deploy"
#   the server-wide cap on waiting Acquires (max_waiters 10000) is reached; ...
_QUOTA = re.compile(r'quota (?P<quota>\w+) \((?P<limit>[^()]*)\) reached for "(?P<principal>.*)"')
_SERVER_CAP = re.compile(r"\((?P<quota>max_waiters) (?P<limit>\d+)\)")


_BY_CODE: dict[Code, type[DistlockError]] = {
    Code.ABORTED: NotAcquiredError,
    Code.NOT_FOUND: NotHeldError,
    Code.UNAVAILABLE: UnavailableError,
    Code.INVALID_ARGUMENT: InvalidArgumentError,
    Code.UNAUTHENTICATED: UnauthenticatedError,
    Code.PERMISSION_DENIED: PermissionDeniedError,
    Code.RESOURCE_EXHAUSTED: ResourceExhaustedError,
}


def from_connect_error(err: ConnectError) -> DistlockError:
    """Returns the typed error for a Connect error.

    Codes without a class of their own give a plain :class:`DistlockError` with the code.
    Its ``__cause__`` is ``err`` already, so an error kept to be raised later (by a second
    release()) still shows the Connect error it came from.
    """
    cls = _BY_CODE.get(err.code, DistlockError)
    message = err.message or err.code.value
    error = cls(f"distlock: {message}", code=err.code.value)
    error.__cause__ = err
    return error
