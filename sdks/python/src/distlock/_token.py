"""Bearer credentials: a static token or a provider asked before every call.

The provider is called for each call (Acquire, Extend, Release, Info, Read, a stream's
opening), not cached by the SDK. The SDK cannot know when an opaque token expires, a
provider can (a JWT's ``exp``, an identity service's answer), so caching and refreshing
are the provider's: it returns its cached token until that one is near its end. Calling
it per call means a refreshed credential reaches the very next call, renewals included,
which is what lets renewal cure an ``unauthenticated`` or ``permission_denied`` answer
while it retries until the lock's validity ends.

A provider that raises, or returns something that is not a non-empty string, fails the
call as ``unauthenticated`` would, so acquire, renewal and release treat it as the
service's answer. The token is never logged nor shown in a ``repr``.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from connectrpc.code import Code
from connectrpc.errors import ConnectError

from ._errors import InvalidArgumentError

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = ["AsyncToken", "Credentials", "SyncToken"]

SyncToken = str | Callable[[], str]
"""A static bearer token, or a function that returns the token to send."""

AsyncToken = str | Callable[[], str | Awaitable[str]]
"""A static bearer token, or a function (plain or ``async``) that returns the token."""


class Credentials:
    """The headers of every call: the caller's, plus ``Authorization`` from the token."""

    __slots__ = ("_base", "_token")

    def __init__(self, headers: Mapping[str, str] | None, token: AsyncToken | None) -> None:
        """Keeps ``headers`` and ``token``.

        Raises:
            InvalidArgumentError: The token is neither a non-empty string nor callable, or
                ``headers`` has an Authorization header too (which one would win?).
        """
        self._base = dict(headers or {})
        if token is not None:
            if isinstance(token, str):
                _check(token, error=InvalidArgumentError)
            elif not callable(token):
                raise InvalidArgumentError(
                    "distlock: token must be a string or a function returning one"
                )
            if any(k.lower() == "authorization" for k in self._base):
                raise InvalidArgumentError(
                    "distlock: give the credential as token= or as an Authorization header,"
                    " not both"
                )
        self._token = token

    def __repr__(self) -> str:
        return "Credentials(<hidden>)"

    def sync_headers(self) -> Mapping[str, str]:
        """Returns the headers of one call; calls a provider (which must not be async).

        Raises:
            ConnectError: ``unauthenticated``, when the provider failed.
        """
        value = self._provided()
        if inspect.isawaitable(value):
            _close(value)
            raise ConnectError(
                Code.UNAUTHENTICATED,
                "the token provider is async: the sync client needs a plain function",
            )
        return self._headers(value)

    async def async_headers(self) -> Mapping[str, str]:
        """Returns the headers of one call; calls and awaits a provider.

        Raises:
            ConnectError: ``unauthenticated``, when the provider failed.
        """
        value = self._provided()
        if inspect.isawaitable(value):
            try:
                value = await value
            except Exception as err:
                raise _provider_failed(err) from err
        return self._headers(value)

    def _provided(self) -> object:
        """Returns the static token, what the provider returned, or _NONE without a token."""
        token = self._token
        if token is None:
            return _NONE
        return token if isinstance(token, str) else _call(token)

    def _headers(self, token: object) -> Mapping[str, str]:
        if token is _NONE:
            return self._base
        return {**self._base, "authorization": f"Bearer {_check(token)}"}


_NONE = object()
"""No token was given: the caller's headers go out unchanged."""


def _call(provider: Callable[[], object]) -> object:
    try:
        return provider()
    except Exception as err:
        raise _provider_failed(err) from err


def _provider_failed(err: Exception) -> ConnectError:
    # The exception's type only: a provider's message might quote a secret.
    return ConnectError(Code.UNAUTHENTICATED, f"the token provider failed: {type(err).__name__}")


def _check(value: object, *, error: type[Exception] = ConnectError) -> str:
    if isinstance(value, str) and value and value.isprintable() and " " not in value.strip():
        return value.strip()
    message = "the token is not a non-empty string of printable characters without spaces"
    if error is ConnectError:
        raise ConnectError(Code.UNAUTHENTICATED, message)
    raise error(f"distlock: {message}")


def _close(value: object) -> None:
    # An un-awaited coroutine warns at garbage collection; close it now.
    close = getattr(value, "close", None)
    if callable(close):
        close()
