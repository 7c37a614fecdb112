"""A Python client of the distlock service.

Distributed locks over Redlock with fencing tokens, background renewal and a lost signal.

:class:`LockClient` is the asyncio client and :class:`LockClientSync` its synchronous
twin; the locks they grant are :class:`Lock` and :class:`LockSync`, and those they hold
over a stream (``hold()``) :class:`Held` and :class:`HeldSync`; ``session()`` returns a
:class:`Session` (:class:`SessionSync`) that keeps many locks alive with one call per
period. ``watch()`` yields :class:`WatchEvent` s. ``list()``, ``locks()`` and
``force_release()`` are the operator's calls (:class:`ListPage`, :class:`ListedLock`,
:class:`ForceReleased`). Every error the SDK raises is a :class:`DistlockError`.
"""

from __future__ import annotations

from ._admin import MAX_PAGE_SIZE, MAX_REASON_LEN, ForceReleased, ListedLock, ListPage
from ._client_async import LockClient
from ._client_sync import LockClientSync
from ._errors import (
    DistlockError,
    InvalidArgumentError,
    NotAcquiredError,
    NotHeldError,
    PermissionDeniedError,
    ResourceExhaustedError,
    UnauthenticatedError,
    UnavailableError,
)
from ._hold_async import Held
from ._hold_sync import HeldSync
from ._limits import (
    DEFAULT_TTL,
    MAX_DATA_LEN,
    MAX_OWNER_LEN,
    MAX_RESOURCE_LEN,
    MAX_TTL,
    MIN_TTL,
    Seconds,
)
from ._lock_async import Lock
from ._lock_sync import LockSync
from ._session_async import Session
from ._session_sync import SessionSync
from ._stream_wire import Holder, WatchEvent, WatchKind
from ._token import AsyncToken, SyncToken
from ._wire import LockInfo

__all__ = [
    "DEFAULT_TTL",
    "MAX_DATA_LEN",
    "MAX_OWNER_LEN",
    "MAX_PAGE_SIZE",
    "MAX_REASON_LEN",
    "MAX_RESOURCE_LEN",
    "MAX_TTL",
    "MIN_TTL",
    "AsyncToken",
    "DistlockError",
    "ForceReleased",
    "Held",
    "HeldSync",
    "Holder",
    "InvalidArgumentError",
    "ListPage",
    "ListedLock",
    "Lock",
    "LockClient",
    "LockClientSync",
    "LockInfo",
    "LockSync",
    "NotAcquiredError",
    "NotHeldError",
    "PermissionDeniedError",
    "ResourceExhaustedError",
    "Seconds",
    "Session",
    "SessionSync",
    "SyncToken",
    "UnauthenticatedError",
    "UnavailableError",
    "WatchEvent",
    "WatchKind",
]

__version__ = "0.1.0"
