"""The asyncio client's coalescing of concurrent calls into Batch requests.

The rule is ``_coalesce``'s; here calls queued in one event-loop iteration are sent at
its end, each request in a task of its own, and every caller awaits its own outcome with
its own deadline.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import TYPE_CHECKING, Any

from connectrpc.code import Code
from connectrpc.errors import ConnectError

from ._batch_wire import batch_call, outcome
from ._coalesce import Group, Pending, Window, copy_error, deadline_error, orphan_release
from ._gen.distlock.v1 import lock_pb2 as pb
from ._lease import millis

if TYPE_CHECKING:
    from collections.abc import Coroutine, Mapping, Sequence

    from ._batch_wire import Request, Response
    from ._gen.distlock.v1.lock_connect import LockServiceClient
    from ._token import Credentials

__all__ = ["CoalescerAsync", "unary_async"]


async def unary_async(
    rpc: LockServiceClient, request: Request, headers: Mapping[str, str], timeout_ms: int
) -> Response:
    """Sends ``request`` as its own unary RPC."""
    if isinstance(request, pb.AcquireRequest):
        return await rpc.acquire(request, headers=headers, timeout_ms=timeout_ms)
    if isinstance(request, pb.ExtendRequest):
        return await rpc.extend(request, headers=headers, timeout_ms=timeout_ms)
    return await rpc.release(request, headers=headers, timeout_ms=timeout_ms)


class CoalescerAsync:
    """Sends one asyncio client's Acquire, Extend and Release calls, sharing requests.

    With ``enabled`` false (the client's ``coalesce=False``), or once the service has
    answered a Batch ``unimplemented``, every call is its unary RPC, sent at once.
    """

    def __init__(
        self, rpc: LockServiceClient, credentials: Credentials, timeout: float, *, enabled: bool
    ) -> None:
        """Sends through ``rpc`` with ``credentials``' headers.

        ``timeout`` is the client's call timeout: the deadline of a Release it sends on
        its own (see ``_release_orphan``).
        """
        self._rpc = rpc
        self._timeout_ms = millis(timeout)
        self._credentials = credentials
        self.enabled = enabled
        self.batches = True
        """False once the service answered a Batch unimplemented: unary from then on."""
        self._window = Window()
        self._scheduled = False
        self._tasks: set[asyncio.Task[None]] = set()
        self._short: set[asyncio.Task[None]] = set()
        """Of those, the ones that end within a round trip: requests without a call that
        may wait at the service, and releases of grants whose callers left."""
        self._stopping = False
        """A send was cancelled: the loop is ending (nothing else cancels one).

        No new request or task may start then: it would be left pending on a closed loop.
        """

    async def call(self, request: Request, timeout_ms: int) -> Response:
        """Returns the answer ``request``'s unary RPC would give, or raises its error."""
        if not (self.enabled and self.batches):
            headers = await self._credentials.async_headers()
            return await unary_async(self._rpc, request, headers, timeout_ms)
        return _result(await self._await(self._queue(request, timeout_ms)))

    async def call_many(
        self, requests: Sequence[Request], timeouts_ms: Sequence[int]
    ) -> list[Response | ConnectError]:
        """Sends ``requests`` together, coalescing on or off, and returns each outcome.

        ``timeouts_ms`` are their deadlines, one per request.
        """
        if not self.batches:
            return list(
                await asyncio.gather(
                    *(self._unary_outcome(r, t) for r, t in zip(requests, timeouts_ms, strict=True))
                )
            )
        pendings = [self._queue(r, t) for r, t in zip(requests, timeouts_ms, strict=True)]
        return list(await asyncio.gather(*(self._await(p) for p in pendings)))

    async def _unary_outcome(self, request: Request, timeout_ms: int) -> Response | ConnectError:
        try:
            headers = await self._credentials.async_headers()
            return await unary_async(self._rpc, request, headers, timeout_ms)
        except ConnectError as err:
            return err

    def _queue(self, request: Request, timeout_ms: int) -> Pending:
        """Queues ``request``; it goes at the end of this loop iteration, or later."""
        p = Pending(request, time.monotonic() + timeout_ms / 1000)
        self._window.queue.append(p)
        self._schedule()
        return p

    async def _await(self, p: Pending) -> Response | ConnectError:
        """Waits for ``p``'s outcome until its deadline.

        A caller that stops waiting leaves a grant to be released, never held.
        """
        done = asyncio.get_running_loop().create_future()

        def notify() -> None:
            if not done.done():
                done.set_result(None)

        p.notify = notify
        if p.outcome is not None:
            return p.outcome
        try:
            async with asyncio.timeout(max(0.0, p.deadline - time.monotonic())):
                await done
        except TimeoutError:
            self._abandon(p)
            if p.outcome is not None:  # it came as the deadline passed
                return p.outcome
            return deadline_error()
        except BaseException:
            self._abandon(p)
            raise
        assert p.outcome is not None  # noqa: S101 -- notify() runs after the outcome is set
        return p.outcome

    def _abandon(self, p: Pending) -> None:
        """Marks ``p`` given up; unsent, it is dropped from the queue.

        A request in flight goes on even when no caller waits for it any more: it is read
        to its end and a grant for a caller who left is released (``_deliver``). Cancelling
        it would leave that to the service, which cannot release a grant it already sent,
        nor one it never learns was cancelled (a connection the HTTP client keeps open).
        """
        if self._window.abandon(p):
            self._schedule()

    def _schedule(self) -> None:
        if self._stopping:
            self._fail_queue()
            return
        if not self._scheduled and self._window.ready():
            self._scheduled = True
            asyncio.get_running_loop().call_soon(self._flush)

    def _fail_queue(self) -> None:
        """Fails every queued call as cancelled, as its request would have been."""
        queued, self._window.queue = self._window.queue, []
        for p in queued:
            self._deliver(p, ConnectError(Code.CANCELED, "distlock: the request was cancelled"))

    def _flush(self) -> None:
        self._scheduled = False
        if self._stopping:
            self._fail_queue()
            return
        if not self._window.ready():
            return
        for group in self._window.take():
            self._track(self._send(group), short=not any(p.waits for p in group.calls))

    def _track(self, coro: Coroutine[Any, Any, None], *, short: bool) -> None:
        """Runs ``coro`` in a task of the coalescer's, counted as short if ``short``."""
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        if short:
            self._short.add(task)
            task.add_done_callback(self._short.discard)

    async def drain(self) -> None:
        """Waits, at most the client's call timeout, for the short tasks to end.

        The client's ``close`` calls it: a release of a grant whose caller left is a lock
        the client still holds, and a request left running when the program's event loop
        ends is destroyed pending ("Task was destroyed but it is pending!"). Requests
        carrying calls that may wait go on: a grant they bring after the close is
        released by them.
        """
        deadline = time.monotonic() + self._timeout_ms / 1000
        while self._short and (left := deadline - time.monotonic()) > 0:
            await asyncio.wait(set(self._short), timeout=left)

    async def _send(self, group: Group) -> None:
        err: ConnectError | None = None
        try:
            headers = await self._credentials.async_headers()
            if len(group.calls) == 1:
                await self._send_unary(group.calls[0], headers)  # no task of gather's own
            elif not self.batches:
                await asyncio.gather(*(self._send_unary(p, headers) for p in group.calls))
            else:
                await self._send_batch(group, headers)
        except ConnectError as e:
            err = e
        except asyncio.CancelledError:
            err = ConnectError(Code.CANCELED, "distlock: the request was cancelled")
            raise
        finally:
            self._note_cancelled()
            for p in group.unanswered():
                self._deliver(p, copy_error(err or _broken()))

    def _note_cancelled(self) -> None:
        """Stops the coalescer when the running task was cancelled.

        connectrpc turns the cancellation into a ConnectError, so the task's own count of
        cancellation requests is what tells.
        """
        task = asyncio.current_task()
        if task is not None and task.cancelling():
            self._stopping = True

    async def _send_unary(self, p: Pending, headers: Mapping[str, str]) -> None:
        try:
            resp = await unary_async(self._rpc, p.request, headers, p.timeout_ms())
        except ConnectError as err:
            self._note_cancelled()  # before the delivery opens the queue
            self._deliver(p, err)
        else:
            self._deliver(p, resp)

    async def _send_batch(self, group: Group, headers: Mapping[str, str]) -> None:
        request = pb.BatchRequest(calls=[batch_call(p.request) for p in group.calls])
        answered = False
        try:
            stream = self._rpc.batch(request, headers=headers, timeout_ms=group.timeout_ms())
            async for message in stream:
                answered = True
                for result in message.results:
                    if result.index < len(group.calls):
                        self._deliver(group.calls[result.index], outcome(result))
        except ConnectError as err:
            if answered or err.code is not Code.UNIMPLEMENTED:
                raise
            self.batches = False  # a service without Batch: unary for the client's life
            await asyncio.gather(*(self._send_unary(p, headers) for p in group.unanswered()))

    def _deliver(self, p: Pending, result: Response | ConnectError) -> None:
        opened, orphan = self._window.deliver(p, result)
        if orphan:
            assert isinstance(result, pb.AcquireResponse)  # noqa: S101 -- deliver's promise
            self._release_orphan(result)
        p.notify()
        if opened:
            self._schedule()

    def _release_orphan(self, grant: pb.AcquireResponse) -> None:
        """Releases a grant whose caller stopped waiting.

        If this fails, or the loop is ending, the grant expires after its TTL.
        """
        if self._stopping:
            return
        release = orphan_release(grant)

        async def run() -> None:
            with contextlib.suppress(ConnectError):
                await self.call(release, self._timeout_ms)

        self._track(run(), short=True)


def _result(result: Response | ConnectError) -> Response:
    if isinstance(result, ConnectError):
        raise result
    return result


def _broken() -> ConnectError:
    return ConnectError(Code.UNAVAILABLE, "distlock: the Batch stream ended without this result")
