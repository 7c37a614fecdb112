"""The operator's calls, List and ForceRelease: their values, checks and errors.

Both clients build their requests and read the answers here, so the sync and asyncio
twins check the same bounds before any call and raise the same errors.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from connectrpc.code import Code

from ._errors import DistlockError, InvalidArgumentError, from_connect_error
from ._gen.distlock.v1 import lock_pb2 as pb
from ._limits import MAX_RESOURCE_LEN, check_resource, check_text

if TYPE_CHECKING:
    from connectrpc.errors import ConnectError

__all__ = [
    "MAX_PAGE_SIZE",
    "MAX_REASON_LEN",
    "ForceReleased",
    "ListPage",
    "ListedLock",
    "admin_error",
    "force_release_request",
    "list_request",
    "page_from",
    "released_from",
]

MAX_PAGE_SIZE = 1000
"""The most locks one page of ``list()`` holds; the service's default is 100."""
MAX_REASON_LEN = 1024
"""The longest reason of a ``force_release()``, in UTF-8 bytes (the audit log's bound)."""


@dataclass(frozen=True, slots=True)
class ListedLock:
    """One held lock of a :class:`ListPage`.

    Attributes:
        resource: The locked resource.
        owner: The holder's owner label (empty when none was given).
        lock_time: When the holder was granted the lock, by the service's clock (UTC).
        expire_time: When the lock expires unless renewed, by the service's clock (UTC).
        fencing_token: The holder's fencing token.
        waiters: How many callers wait for it through the service replica that
            answered (other replicas' waiters are not counted).
    """

    resource: str
    owner: str
    lock_time: datetime
    expire_time: datetime
    fencing_token: int
    waiters: int


@dataclass(frozen=True, slots=True)
class ListPage:
    """One page of ``list()``: the locks a quorum agreed on when it was read.

    A page may hold fewer locks than asked for, even none, while ``next_page_token``
    is set: keep asking until it is empty.

    Attributes:
        locks: The held locks of this page.
        next_page_token: Pass it as ``page_token`` (with the same prefix) for the next
            page; ``""`` after the last page.
    """

    locks: tuple[ListedLock, ...]
    next_page_token: str


@dataclass(frozen=True, slots=True)
class ForceReleased:
    """What ``force_release()`` broke.

    Attributes:
        owner: The broken holder's owner label.
        fencing_token: The broken holder's fencing token.
        advanced_fencing_token: Every later grant of the resource has a greater fencing
            token: hand it to the store you protect so that it refuses the old holder's
            writes at once.
    """

    owner: str
    fencing_token: int
    advanced_fencing_token: int


def list_request(prefix: object, page_size: object, page_token: object) -> pb.ListRequest:
    """Returns the checked ListRequest; ``page_size`` ``None`` lets the service pick.

    Raises:
        InvalidArgumentError: The prefix is not a str of valid UTF-8 within
            :data:`MAX_RESOURCE_LEN` bytes, the page size not an int from 1 to
            :data:`MAX_PAGE_SIZE`, or the page token not a str.
    """
    name = check_text(prefix, "prefix", MAX_RESOURCE_LEN)
    if page_size is not None and not (
        isinstance(page_size, int)
        and not isinstance(page_size, bool)  # page_size=True is a bug, not one lock
        and 1 <= page_size <= MAX_PAGE_SIZE
    ):
        raise InvalidArgumentError(
            f"distlock: page_size must be an int from 1 to {MAX_PAGE_SIZE}, got {page_size!r}"
        )
    if not isinstance(page_token, str):
        raise InvalidArgumentError(
            f"distlock: page_token must be a str, not {type(page_token).__name__}"
        )
    return pb.ListRequest(prefix=name, page_size=page_size or 0, page_token=page_token)


def force_release_request(resource: object, reason: object) -> pb.ForceReleaseRequest:
    """Returns the checked ForceReleaseRequest.

    Raises:
        InvalidArgumentError: The resource name is invalid, or the reason is not a
            non-empty str of valid UTF-8 within :data:`MAX_REASON_LEN` bytes.
    """
    name = check_resource(resource)
    why = check_text(reason, "reason", MAX_REASON_LEN)
    if not why:
        raise InvalidArgumentError("distlock: force_release needs a reason, for the audit log")
    return pb.ForceReleaseRequest(resource=name, reason=why)


def page_from(resp: pb.ListResponse) -> ListPage:
    """Returns the page a ListResponse describes."""
    return ListPage(
        locks=tuple(
            ListedLock(
                resource=lk.resource,
                owner=lk.owner,
                lock_time=lk.lock_time.ToDatetime(tzinfo=UTC),
                expire_time=lk.expire_time.ToDatetime(tzinfo=UTC),
                fencing_token=lk.fencing_token,
                waiters=lk.waiters,
            )
            for lk in resp.locks
        ),
        next_page_token=resp.next_page_token,
    )


def released_from(resp: pb.ForceReleaseResponse) -> ForceReleased:
    """Returns what a ForceReleaseResponse says was broken."""
    return ForceReleased(
        owner=resp.owner,
        fencing_token=resp.fencing_token,
        advanced_fencing_token=resp.advanced_fencing_token,
    )


def admin_error(err: ConnectError, url: str, what: str) -> DistlockError:
    """Returns the typed error of a failed List or ForceRelease call.

    ``unimplemented`` comes from a service older than these calls, or whose lock backend
    cannot ``what``: the message says so and names the URL, rather than a bare code.
    """
    if err.code is not Code.UNIMPLEMENTED:
        return from_connect_error(err)
    said = f" ({err.message})" if err.message else ""
    error = DistlockError(
        f"distlock: the service at {url} cannot {what}{said}: it predates this call, or its"
        " lock backend does not support it",
        code=err.code.value,
    )
    error.__cause__ = err
    return error
