"""The sync client's coalescing of concurrent calls into Batch requests.

The rule is ``_coalesce``'s: a call that finds nothing queued or in flight is sent on its
caller's thread as its unary RPC, exactly as without coalescing; calls made while a
request that answers in one round trip is in flight queue up, and when it has answered
the queue goes on a thread of its own (one per request, so a waiting Acquire in it holds
nobody's thread but its own caller's), each caller waiting for its own outcome with its
own deadline.
"""

from __future__ import annotations

import contextlib
import threading
import time
from typing import TYPE_CHECKING

from connectrpc.code import Code
from connectrpc.errors import ConnectError

from ._batch_wire import batch_call, outcome
from ._coalesce import Group, Pending, Window, copy_error, deadline_error, orphan_release
from ._gen.distlock.v1 import lock_pb2 as pb
from ._lease import millis

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from ._batch_wire import Request, Response
    from ._gen.distlock.v1.lock_connect import LockServiceClientSync
    from ._token import Credentials

__all__ = ["CoalescerSync", "unary_sync"]


def unary_sync(
    rpc: LockServiceClientSync, request: Request, headers: Mapping[str, str], timeout_ms: int
) -> Response:
    """Sends ``request`` as its own unary RPC."""
    if isinstance(request, pb.AcquireRequest):
        return rpc.acquire(request, headers=headers, timeout_ms=timeout_ms)
    if isinstance(request, pb.ExtendRequest):
        return rpc.extend(request, headers=headers, timeout_ms=timeout_ms)
    return rpc.release(request, headers=headers, timeout_ms=timeout_ms)


class CoalescerSync:
    """Sends one sync client's Acquire, Extend and Release calls, sharing requests.

    Safe to use from many threads. With ``enabled`` false (``coalesce=False``), or once
    the service has answered a Batch ``unimplemented``, every call is its unary RPC on
    its caller's thread.
    """

    def __init__(
        self,
        rpc: LockServiceClientSync,
        credentials: Credentials,
        timeout: float,
        *,
        enabled: bool,
    ) -> None:
        """Sends through ``rpc`` with ``credentials``' headers.

        ``timeout`` is the client's call timeout: the deadline of a Release it sends on
        its own (see ``_release_orphan``).
        """
        self._rpc = rpc
        self._credentials = credentials
        self._timeout_ms = millis(timeout)
        self.enabled = enabled
        self.batches = True
        """False once the service answered a Batch unimplemented: unary from then on."""
        self._mu = threading.Lock()
        self._window = Window()

    def call(self, request: Request, timeout_ms: int) -> Response:
        """Returns the answer ``request``'s unary RPC would give, or raises its error."""
        if not (self.enabled and self.batches):
            return unary_sync(self._rpc, request, self._credentials.sync_headers(), timeout_ms)
        p = Pending(request, time.monotonic() + timeout_ms / 1000)
        with self._mu:
            lone = self._window.idle()
            group = self._window.sending([p]) if lone else None
            if not lone:
                self._window.queue.append(p)
            ready = [] if lone else self._take()
        self._start(ready)
        if group is not None:
            self._send(group)  # on this thread, as without coalescing
        result = self._await(p)
        if isinstance(result, ConnectError):
            raise result
        return result

    def call_many(
        self, requests: Sequence[Request], timeouts_ms: Sequence[int]
    ) -> list[Response | ConnectError]:
        """Sends ``requests`` together, coalescing on or off, and returns each outcome.

        ``timeouts_ms`` are their deadlines, one per request.
        """
        now = time.monotonic()
        pendings = [Pending(r, now + t / 1000) for r, t in zip(requests, timeouts_ms, strict=True)]
        with self._mu:
            if self.batches:
                self._window.queue.extend(pendings)
                groups = self._take()
            else:  # one thread sends them one by one
                groups = [self._window.sending(pendings)]
        self._start(groups)
        return [self._await(p) for p in pendings]

    def _take(self) -> list[Group]:
        return self._window.take() if self._window.ready() else []

    def _start(self, groups: list[Group]) -> None:
        for group in groups:
            threading.Thread(
                target=self._send, args=(group,), name="distlock-batch", daemon=True
            ).start()

    def _await(self, p: Pending) -> Response | ConnectError:
        """Waits for ``p``'s outcome until its deadline.

        A caller that stops waiting leaves a grant to be released, never held.
        """
        done = threading.Event()
        p.notify = done.set
        try:
            if p.outcome is None and not done.wait(max(0.0, p.deadline - time.monotonic())):
                self._abandon(p)
                if p.outcome is None:
                    return deadline_error()
        except BaseException:  # KeyboardInterrupt while waiting
            self._abandon(p)
            raise
        assert p.outcome is not None  # noqa: S101 -- set before notify
        return p.outcome

    def _abandon(self, p: Pending) -> None:
        with self._mu:
            ready = self._take() if self._window.abandon(p) else []
        self._start(ready)

    def _send(self, group: Group) -> None:
        err: ConnectError | None = None
        try:
            headers = self._credentials.sync_headers()
            if len(group.calls) == 1 or not self.batches:
                for p in group.calls:
                    self._send_unary(p, headers)
            else:
                self._send_batch(group, headers)
        except ConnectError as e:
            err = e
        finally:
            for p in group.unanswered():
                self._deliver(p, copy_error(err or _broken()))

    def _send_unary(self, p: Pending, headers: Mapping[str, str]) -> None:
        try:
            resp = unary_sync(self._rpc, p.request, headers, p.timeout_ms())
        except ConnectError as err:
            self._deliver(p, err)
        else:
            self._deliver(p, resp)

    def _send_batch(self, group: Group, headers: Mapping[str, str]) -> None:
        request = pb.BatchRequest(calls=[batch_call(p.request) for p in group.calls])
        answered = False
        try:
            for message in self._rpc.batch(request, headers=headers, timeout_ms=group.timeout_ms()):
                answered = True
                for result in message.results:
                    if result.index < len(group.calls):
                        self._deliver(group.calls[result.index], outcome(result))
        except ConnectError as err:
            if answered or err.code is not Code.UNIMPLEMENTED:
                raise
            self.batches = False  # a service without Batch: unary for the client's life
            for p in group.unanswered():
                self._send_unary(p, headers)

    def _deliver(self, p: Pending, result: Response | ConnectError) -> None:
        with self._mu:
            opened, orphan = self._window.deliver(p, result)
            ready = self._take() if opened else []
        p.notify()
        if orphan:
            assert isinstance(result, pb.AcquireResponse)  # noqa: S101 -- deliver's promise
            threading.Thread(
                target=self._release_orphan, args=(result,), name="distlock-batch", daemon=True
            ).start()
        self._start(ready)

    def _release_orphan(self, grant: pb.AcquireResponse) -> None:
        """Releases a grant whose caller stopped waiting.

        If this fails the grant expires after its TTL.
        """
        with contextlib.suppress(ConnectError):
            self.call(orphan_release(grant), self._timeout_ms)


def _broken() -> ConnectError:
    return ConnectError(Code.UNAVAILABLE, "distlock: the Batch stream ended without this result")
