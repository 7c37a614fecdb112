"""Conversion between the SDK's Python values and the generated protobuf messages."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime

from google.protobuf.duration_pb2 import Duration

from ._gen.distlock.v1 import lock_pb2 as pb
from ._lease import Lease, valid_until

__all__ = [
    "LockInfo",
    "acquire_request",
    "duration",
    "extend_request",
    "extended",
    "info_from",
    "lease_from",
    "release_request",
]


@dataclass(frozen=True, slots=True)
class LockInfo:
    """A resource's current holder, as the service describes it.

    Attributes:
        owner: The holder's owner label (empty when none was given).
        lock_time: When the holder was granted the lock, by the service's clock (UTC).
        expire_time: When the lock expires unless extended, by the service's clock (UTC).
        fencing_token: The holder's fencing token.
    """

    owner: str
    lock_time: datetime
    expire_time: datetime
    fencing_token: int


def duration(seconds: float) -> Duration:
    """Returns seconds as a protobuf Duration, rounded to the nanosecond."""
    d = Duration()
    d.FromNanoseconds(round(seconds * 1e9))
    return d


def acquire_request(
    resource: str, *, ttl: float, wait: float, owner: str, data: bytes
) -> pb.AcquireRequest:
    """Returns the AcquireRequest for one call of an acquire."""
    return pb.AcquireRequest(
        resource=resource,
        ttl=duration(ttl),
        wait=duration(wait),
        owner=owner,
        data=data,
    )


def lease_from(resp: pb.AcquireResponse, *, sent: float, ttl: float, owner: str) -> Lease:
    """Returns the lease a granted AcquireResponse describes.

    Args:
        resp: The response.
        sent: When the request that got the grant was sent (monotonic clock).
        ttl: The TTL asked for, used when the response does not say which it granted.
        owner: The owner label asked for.
    """
    granted = _granted(resp, ttl)
    return Lease(
        resource=resp.resource,
        token=resp.lease_token,
        fencing_token=resp.fencing_token,
        owner=owner,
        ttl=granted,
        valid_until=valid_until(sent, granted),
    )


def info_from(resp: pb.InfoResponse) -> LockInfo:
    """Returns the LockInfo an InfoResponse describes."""
    return LockInfo(
        owner=resp.owner,
        lock_time=resp.lock_time.ToDatetime(tzinfo=UTC),
        expire_time=resp.expire_time.ToDatetime(tzinfo=UTC),
        fencing_token=resp.fencing_token,
    )


def extend_request(lease: Lease, ttl: float) -> pb.ExtendRequest:
    """Returns the ExtendRequest that renews lease for ttl seconds."""
    return pb.ExtendRequest(resource=lease.resource, lease_token=lease.token, ttl=duration(ttl))


def release_request(lease: Lease) -> pb.ReleaseRequest:
    """Returns the ReleaseRequest that deletes lease."""
    return pb.ReleaseRequest(resource=lease.resource, lease_token=lease.token)


def extended(lease: Lease, resp: pb.ExtendResponse, *, sent: float, ttl: float) -> Lease:
    """Returns lease as renewed by an ExtendResponse.

    ``sent`` is when the request asking for ``ttl`` seconds was sent (monotonic clock).
    """
    granted = _granted(resp, ttl)
    return replace(lease, ttl=granted, valid_until=valid_until(sent, granted))


def _granted(resp: pb.AcquireResponse | pb.ExtendResponse, asked: float) -> float:
    """Returns the TTL a grant or renewal gave, in seconds: ``asked`` when it does not say."""
    return resp.ttl.ToNanoseconds() / 1e9 if resp.HasField("ttl") else asked
