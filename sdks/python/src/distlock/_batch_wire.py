"""Batch on the wire: one lock call as a batch call, its size, and its result.

The rules are the service's (proto/distlock/v1/lock.proto, Batch): each call of a batch
gets exactly one result naming its index, the response its unary RPC would give or the
error it would fail with; a request stays within the policy's ``MAX_BATCH_CALLS`` calls
and ``MAX_BATCH_BYTES`` bytes by :func:`policy.batch_call_bytes`'s estimate.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from connectrpc.code import Code
from connectrpc.errors import ConnectError

from ._gen.distlock.v1 import lock_pb2 as pb
from ._gen.distlock.v1 import policy

if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["Request", "Response", "batch_call", "call_bytes", "may_wait", "outcome", "split"]

Request = pb.AcquireRequest | pb.ExtendRequest | pb.ReleaseRequest
"""A call that may travel in a batch."""
Response = pb.AcquireResponse | pb.ExtendResponse | pb.ReleaseResponse
"""Its answer."""


def batch_call(request: Request) -> pb.BatchCall:
    """Returns ``request`` as one call of a BatchRequest."""
    if isinstance(request, pb.AcquireRequest):
        return pb.BatchCall(acquire=request)
    if isinstance(request, pb.ExtendRequest):
        return pb.BatchCall(extend=request)
    return pb.BatchCall(release=request)


def call_bytes(request: Request) -> int:
    """Returns the policy's estimate of ``request``'s size in a batch."""
    owner = data = b""
    token = ""
    if isinstance(request, pb.AcquireRequest):
        owner, data = request.owner.encode(), request.data
    else:
        token = request.lease_token
    return policy.batch_call_bytes(
        len(request.resource.encode()), len(token.encode()), len(owner), len(data)
    )


def may_wait(request: Request) -> bool:
    """Reports whether the service may hold ``request``'s answer back (a waiting Acquire).

    Every other call answers in one round trip.
    """
    return isinstance(request, pb.AcquireRequest) and request.wait.ToNanoseconds() > 0


def split(sizes: Sequence[int]) -> list[range]:
    """Cuts calls of the given estimated sizes into consecutive runs that fit one request.

    Each run has at most ``MAX_BATCH_CALLS`` calls and, unless a single call is larger on
    its own, at most ``MAX_BATCH_BYTES`` bytes.
    """
    runs: list[range] = []
    start, total = 0, 0
    for i, size in enumerate(sizes):
        full = i - start >= policy.MAX_BATCH_CALLS or total + size > policy.MAX_BATCH_BYTES
        if i > start and full:
            runs.append(range(start, i))
            start, total = i, 0
        total += size
    if start < len(sizes):
        runs.append(range(start, len(sizes)))
    return runs


def outcome(result: pb.BatchResult) -> Response | ConnectError:
    """Returns what the unary RPC of a batch result's call would have returned or raised."""
    kind = result.WhichOneof("result")
    if kind == "acquire":
        return result.acquire
    if kind == "extend":
        return result.extend
    if kind == "release":
        return result.release
    if kind == "error":
        try:
            code = Code(result.error.code)
        except ValueError:
            code = Code.UNKNOWN
        return ConnectError(code, result.error.message)
    return ConnectError(Code.INTERNAL, "distlock: a Batch result carried no outcome")
