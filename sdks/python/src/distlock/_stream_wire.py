"""Hold and Watch on the wire: requests, events and why a stream ended; both clients share it.

The rules are the service's (proto/distlock/v1/lock.proto, Hold and Watch): a Hold that
waits "until cancelled" sends a very long wait, for a Hold's wait is not capped by the
server; ``lost`` is the last event of a granted Hold, and a stream that ends without it
broke (the connection reset, the service died); a Watch runs until the client ends it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Literal, TypedDict, Unpack

from connectrpc.code import Code
from connectrpc.errors import ConnectError

from ._errors import DistlockError, UnavailableError, from_connect_error
from ._gen.distlock.v1 import lock_pb2 as pb
from ._limits import (
    DEFAULT_TTL,
    Seconds,
    check_data,
    check_owner,
    check_resource,
    check_ttl,
    check_wait,
)
from ._wire import LockInfo, duration

if TYPE_CHECKING:
    from collections.abc import Callable

    from google.protobuf.timestamp_pb2 import Timestamp

__all__ = [
    "FOREVER_WAIT_S",
    "Grant",
    "HoldOptions",
    "Holder",
    "WatchEvent",
    "WatchKind",
    "hold_lost",
    "hold_request",
    "holder_from",
    "stream_error",
    "timestamp",
    "watch_event",
    "watch_request",
]

FOREVER_WAIT_S = 10 * 365 * 24 * 3600.0
"""The wire wait of a Hold that waits until cancelled: it outlasts any caller."""

WatchKind = Literal[
    "current", "synced", "granted", "extended", "released", "expired", "handed_over", "resync"
]

_KINDS: dict[int, WatchKind] = {
    pb.WatchResponse.KIND_CURRENT: "current",
    pb.WatchResponse.KIND_SYNCED: "synced",
    pb.WatchResponse.KIND_GRANTED: "granted",
    pb.WatchResponse.KIND_EXTENDED: "extended",
    pb.WatchResponse.KIND_RELEASED: "released",
    pb.WatchResponse.KIND_EXPIRED: "expired",
    pb.WatchResponse.KIND_HANDED_OVER: "handed_over",
    pb.WatchResponse.KIND_RESYNC: "resync",
}


@dataclass(frozen=True, slots=True)
class WatchEvent:
    """One event of a watch.

    Attributes:
        kind: What happened. ``current`` events and then one ``synced`` give the state
            when the watch starts (resources not named are free); then ``granted``,
            ``extended``, ``released``, ``expired`` and ``handed_over`` follow, in order
            per resource. ``resync`` means the service dropped events because this reader
            was too slow: discard what you know, a fresh ``current``… ``synced`` follows.
        resource: The resource; empty for ``synced`` and ``resync``.
        holder: The holder after the event; ``None`` for ``released``, ``expired``,
            ``synced`` and ``resync``.
        previous: The holder that left (``released``, ``expired``, ``handed_over``),
            when the service knows it.
    """

    kind: WatchKind
    resource: str
    holder: LockInfo | None
    previous: LockInfo | None


@dataclass(frozen=True, slots=True)
class Grant:
    """What a Hold's ``granted`` event says."""

    resource: str
    lease_token: str
    fencing_token: int
    expire_time: datetime


@dataclass(frozen=True, slots=True)
class Holder:
    """The holder a waiting hold waits for, as its ``on_waiting`` callback gets it.

    Attributes:
        owner: The holder's owner label.
        fencing_token: The holder's fencing token.
        expire_time: When the holder's lock expires unless renewed, by the service's clock.
    """

    owner: str
    fencing_token: int
    expire_time: datetime


class HoldOptions(TypedDict, total=False):
    """The options of a hold: those of an acquire, with the same defaults."""

    ttl: Seconds
    """Seconds (or a timedelta) the lock outlives the service: 5 to 600 (default 30)."""
    wait: Seconds | None
    """How long to wait while another holds it: ``None`` (the default) until cancelled."""
    data: bytes
    """A payload of at most 64 KiB that ``read()`` returns."""
    owner: str
    """A label of at most 256 bytes that ``info()`` and watchers see."""
    on_waiting: Callable[[Holder], None] | None
    """Called with the holder each time the service says the hold waits for it: at once
    when the resource is held, then every few seconds."""


def hold_request(resource: str, **options: Unpack[HoldOptions]) -> pb.HoldRequest:
    """Returns the checked HoldRequest.

    Raises:
        InvalidArgumentError: An argument is out of bounds.
    """
    seconds = check_wait(options.get("wait"))
    request = pb.HoldRequest(
        resource=check_resource(resource),
        ttl=duration(check_ttl(options.get("ttl", DEFAULT_TTL))),
        owner=check_owner(options.get("owner", "")),
        data=check_data(options.get("data", b"")),
    )
    if seconds > 0:
        request.wait.CopyFrom(duration(FOREVER_WAIT_S if math.isinf(seconds) else seconds))
    return request


def holder_from(event: pb.HoldWaiting) -> Holder:
    """Returns the holder a ``waiting`` event names."""
    return Holder(
        owner=event.owner,
        fencing_token=event.fencing_token,
        expire_time=timestamp(event.expire_time),
    )


def grant_from(event: pb.AcquireResponse) -> Grant:
    """Returns the grant a ``granted`` event describes."""
    return Grant(
        resource=event.resource,
        lease_token=event.lease_token,
        fencing_token=event.fencing_token,
        expire_time=timestamp(event.expire_time),
    )


def hold_lost(lost: pb.HoldLost | None, err: Exception | None) -> DistlockError:
    """Returns why a granted Hold ended.

    The service's ``lost`` event when it sent one (a ``NotHeldError`` when the lease
    expired or another holds it; an ``UnavailableError`` when renewal could not reach a
    quorum or the server is draining); without one the stream broke, and nothing renews
    the lock any more: an ``UnavailableError`` with the stream's error as its cause.
    """
    if lost is not None:
        if lost.reason == pb.HoldLost.REASON_NOT_HELD:
            return from_connect_error(ConnectError(Code.NOT_FOUND, lost.message))
        reason = pb.HoldLost.Reason.Name(lost.reason)
        return from_connect_error(ConnectError(Code.UNAVAILABLE, f"{lost.message} ({reason})"))
    return _unavailable(f"the Hold stream broke: {err or 'it ended with no lost event'}", err)


def stream_error(err: Exception | None, what: str) -> DistlockError:
    """Returns the error of a stream that ended (``err`` None: it ended with no error).

    A stream these calls open never ends on its own: ending without an error is the
    service going away, reported ``unavailable`` rather than silently.
    """
    if isinstance(err, ConnectError):
        return from_connect_error(err)
    return _unavailable(what, err)


def _unavailable(message: str, cause: Exception | None) -> UnavailableError:
    err = UnavailableError(f"distlock: {message}", code=Code.UNAVAILABLE.value)
    err.__cause__ = cause
    return err


def watch_request(resource: str, *, prefix: bool) -> pb.WatchRequest:
    """Returns the checked WatchRequest (an empty prefix watches every resource).

    Raises:
        InvalidArgumentError: The name is invalid.
    """
    name = resource if prefix and resource == "" else check_resource(resource)
    return pb.WatchRequest(resource=name, prefix=prefix)


def watch_event(m: pb.WatchResponse) -> WatchEvent:
    """Returns the event a WatchResponse describes."""
    return WatchEvent(
        kind=_KINDS.get(m.kind, "resync"),  # an unknown kind: start over rather than guess
        resource=m.resource,
        holder=_holder(m.holder) if m.HasField("holder") else None,
        previous=_holder(m.previous) if m.HasField("previous") else None,
    )


def _holder(h: pb.Holder) -> LockInfo:
    return LockInfo(
        owner=h.owner,
        lock_time=timestamp(h.lock_time),
        expire_time=timestamp(h.expire_time),
        fencing_token=h.fencing_token,
    )


def timestamp(t: Timestamp) -> datetime:
    """Returns a protobuf Timestamp as an aware UTC datetime."""
    return t.ToDatetime(tzinfo=UTC)
