"""The asyncio client, :class:`LockClient`."""

from __future__ import annotations

import contextlib
import functools
import time
from typing import TYPE_CHECKING, Self

from connectrpc.code import Code
from connectrpc.errors import ConnectError

from ._acquire import AcquirePlan
from ._clock import SYSTEM_CLOCK, Clock
from ._errors import DistlockError, from_connect_error
from ._gen.distlock.v1 import lock_pb2 as pb
from ._gen.distlock.v1.lock_connect import LockServiceClient
from ._lease import Lease, millis
from ._limits import DEFAULT_TTL, Seconds, check_resource
from ._lock_async import Lock
from ._retry import retry_async
from ._shared import DEFAULT_TIMEOUT, check_base_url, check_timeout
from ._wire import LockInfo, extend_request, extended, info_from, release_request

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterable, Mapping
    from types import TracebackType

    from connectrpc.interceptor import Interceptor
    from pyqwest import Client

__all__ = ["LockClient"]


class LockClient:
    """An asyncio client of the distlock service.

    Use it from one event loop. Closing it releases the locks it still holds.

    Example:
        ```python
        async with LockClient("http://127.0.0.1:8080") as client:
            async with client.lock("orders/42", ttl=30) as lock:
                print(lock.fencing_token)
        ```
    """

    def __init__(
        self,
        base_url: str,
        *,
        headers: Mapping[str, str] | None = None,
        timeout: Seconds = DEFAULT_TIMEOUT,
        interceptors: Iterable[Interceptor] = (),
        http_client: Client | None = None,
    ) -> None:
        """Creates a client of the service at ``base_url``.

        Args:
            base_url: The service's URL, ``http://host:port`` or ``https://host:port``.
            headers: Headers sent with every call, for example credentials.
            timeout: How long one Extend, Release, Info or Read call may take, in
                seconds. Acquire calls take as long as their wait plus a margin.
            interceptors: Connect interceptors, for example for tracing.
            http_client: A pyqwest ``Client`` to use, for example one configured for
                TLS; the caller closes it.

        Raises:
            InvalidArgumentError: The URL is not an http(s) URL or the timeout is not
                positive.
        """
        self._rpc = LockServiceClient(
            check_base_url(base_url), interceptors=interceptors, http_client=http_client
        )
        self._headers = dict(headers or {})
        self._timeout = check_timeout(timeout)
        self._clock: Clock = SYSTEM_CLOCK
        self._held: set[Lock] = set()
        self._closed = False

    async def acquire(
        self,
        resource: str,
        *,
        ttl: Seconds = DEFAULT_TTL,
        wait: Seconds | None = 0,
        data: bytes = b"",
        owner: str = "",
    ) -> Lock:
        """Takes the lock on ``resource`` and starts renewing it in the background.

        Args:
            resource: The resource to lock: any string of 1 to 1024 UTF-8 bytes.
            ttl: How long the lock survives this process dying, in seconds (5 to 600).
                While the process lives, the lock is renewed about every ``ttl / 3``.
            wait: How long to wait while another holds the lock: 0 (the default) makes
                one attempt, ``None`` waits without limit. Waits over 30 s are split
                into several calls. When the service answers that the lock is busy in
                under half the wait asked for (its own maximum wait is lower), the next
                call follows a pause that backs off from 25-50 ms to 0.5-1 s, so that
                service is not asked again at once. A call that fails ``unavailable`` or
                ``deadline_exceeded`` is also tried again within the wait, after a pause
                that backs off in the same way with each consecutive failure, as in the
                Go SDK. When a pause would pass the end of the wait, the last answer is
                raised at once instead: NotAcquiredError after a busy one, the error of
                a failed one otherwise. Cancelling the task ends the wait, a pause
                included.
            data: A payload of at most 64 KiB that :meth:`read` returns.
            owner: A label of at most 256 bytes that :meth:`info` returns.

        Returns:
            The held lock. Release it with :meth:`Lock.release` or ``async with``.

        Raises:
            InvalidArgumentError: An argument is out of bounds (raised before any call).
            NotAcquiredError: Another holds the lock and the wait ran out.
            UnavailableError: The service or a quorum of its nodes did not answer, and
                the wait ran out (with no wait, at the first failure).
            DistlockError: Any other failure; its ``code`` says which.
        """
        plan = AcquirePlan.check(
            resource, ttl=ttl, wait=wait, data=data, owner=owner, clock=self._clock
        )
        if self._closed:
            raise DistlockError("distlock: client closed")
        while True:
            attempt = plan.next_call()
            sent = time.monotonic()  # validity counts on this clock, whatever paces the wait
            try:
                resp = await self._rpc.acquire(
                    attempt.request, headers=self._headers, timeout_ms=attempt.timeout_ms
                )
            except ConnectError as err:
                pause = plan.retry(err, attempt)
                if pause is None:
                    raise from_connect_error(err) from err
                if pause:
                    await self._clock.asleep(pause)
                continue
            lease = plan.lease(resp, sent)
            if not plan.late(lease, sent):
                break
            try:
                lease = await self._confirm(lease)
            except ConnectError as err:
                await self._clock.asleep(plan.unconfirmed(err))
                continue
            break
        lock = Lock(self, lease)
        if self._closed:
            # close() ran while this call was in flight and could not see the lock.
            with contextlib.suppress(DistlockError):
                await lock.release()
            raise DistlockError("distlock: client closed")
        self._held.add(lock)
        return lock

    @contextlib.asynccontextmanager
    async def lock(
        self,
        resource: str,
        *,
        ttl: Seconds = DEFAULT_TTL,
        wait: Seconds | None = 0,
        data: bytes = b"",
        owner: str = "",
    ) -> AsyncIterator[Lock]:
        """Holds the lock on ``resource`` for the duration of an ``async with`` block.

        The arguments are those of :meth:`acquire`. On leaving the block the lock is
        released; if the block raised, a failure to release is added to its exception
        as a note instead of replacing it.

        Yields:
            The held lock.
        """
        held = await self.acquire(resource, ttl=ttl, wait=wait, data=data, owner=owner)
        async with held:
            yield held

    async def info(self, resource: str) -> LockInfo | None:
        """Describes the current holder of ``resource``.

        Returns:
            The holder, or ``None`` when the resource is not locked.

        Raises:
            InvalidArgumentError: The resource name is invalid (raised before any call).
            DistlockError: The call failed.
        """
        request = pb.InfoRequest(resource=check_resource(resource))
        try:
            resp = await self._rpc.info(
                request, headers=self._headers, timeout_ms=millis(self._timeout)
            )
        except ConnectError as err:
            if err.code is Code.NOT_FOUND:
                return None
            raise from_connect_error(err) from err
        return info_from(resp)

    async def read(self, resource: str) -> bytes | None:
        """Returns the payload stored with the current lock on ``resource``.

        Returns:
            The payload (empty if the holder gave none), or ``None`` when the resource
            is not locked.

        Raises:
            InvalidArgumentError: The resource name is invalid (raised before any call).
            DistlockError: The call failed.
        """
        request = pb.ReadRequest(resource=check_resource(resource))
        try:
            resp = await self._rpc.read(
                request, headers=self._headers, timeout_ms=millis(self._timeout)
            )
        except ConnectError as err:
            if err.code is Code.NOT_FOUND:
                return None
            raise from_connect_error(err) from err
        return resp.data

    async def close(self) -> None:
        """Releases every lock this client still holds and closes the client.

        Release failures are ignored here: those locks expire after their TTL. Like
        :meth:`Lock.release`, each release tries again while the service is unavailable,
        until that lock's validity ends.
        """
        self._closed = True
        for lock in list(self._held):
            with contextlib.suppress(DistlockError):
                await lock.release()
        await self._rpc.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    def _forget(self, lock: Lock) -> None:
        self._held.discard(lock)

    async def _confirm(self, lease: Lease) -> Lease:
        """Returns a late grant's lease with its validity measured from an Extend sent now.

        If the Extend fails (or is cancelled) the lease is released before the error
        propagates, so an unconfirmed grant does not keep the resource from others.
        """
        try:
            return await self._extend(lease, lease.ttl, self._timeout)
        except BaseException:
            with contextlib.suppress(ConnectError):  # best effort: it expires after its TTL
                await self._release(lease)
            raise

    async def _extend(self, lease: Lease, ttl: float, call_timeout: float) -> Lease:
        sent = time.monotonic()
        resp = await self._rpc.extend(
            extend_request(lease, ttl),
            headers=self._headers,
            timeout_ms=millis(call_timeout),
        )
        return extended(lease, resp, sent=sent, ttl=ttl)

    async def _extend_retrying(self, lease: Lease, ttl: float) -> Lease:
        """Extends ``lease`` to ``ttl``, retrying until its validity ends (the Go SDK's Extend).

        Only :data:`~._retry.TRANSIENT` failures are tried again; see :func:`retry_async`.
        """
        return await retry_async(
            functools.partial(self._extend, lease, ttl, self._timeout),
            left=lease.remaining(),
            now=self._clock.now,
            sleep=self._pause,
        )

    async def _release_retrying(self, lease: Lease) -> None:
        """Releases ``lease``, retrying until its validity ends (the Go SDK's Release).

        Only :data:`~._retry.TRANSIENT` failures are tried again; after the validity the lease has
        expired anyway.
        """
        await retry_async(
            functools.partial(self._release, lease),
            left=lease.remaining(),
            now=self._clock.now,
            sleep=self._pause,
        )

    async def _pause(self, seconds: float) -> bool:
        await self._clock.asleep(seconds)
        return True

    async def _release(self, lease: Lease) -> None:
        await self._rpc.release(
            release_request(lease),
            headers=self._headers,
            timeout_ms=millis(self._timeout),
        )
