"""The asyncio client, :class:`LockClient`."""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import TYPE_CHECKING, Self, cast

from connectrpc.code import Code
from connectrpc.errors import ConnectError

from ._acquire import AcquirePlan
from ._calls_async import CallsAsync
from ._errors import DistlockError, from_connect_error
from ._gen.distlock.v1 import lock_pb2 as pb
from ._gen.distlock.v1.lock_connect import LockServiceClient
from ._http_loop import HttpClient
from ._lease import millis
from ._limits import DEFAULT_TTL, Seconds, check_resource
from ._lock_async import Lock
from ._shared import DEFAULT_TIMEOUT, check_base_url, check_timeout
from ._wire import LockInfo, info_from

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterable, Mapping
    from types import TracebackType

    from connectrpc.interceptor import Interceptor
    from pyqwest import Client, Transport

    from ._clock import Clock

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
        transport: Transport | None = None,
    ) -> None:
        """Creates a client of the service at ``base_url``.

        Args:
            base_url: The service's URL, ``http://host:port`` or ``https://host:port``.
            headers: Headers sent with every call, for example credentials.
            timeout: How long one call may take beyond the wait it asks for, in seconds:
                an Extend, Release, Info or Read call takes at most this long, an
                Acquire call its wait plus this.
            interceptors: Connect interceptors, for example for tracing.
            transport: A pyqwest ``Transport`` (e.g. an ``HTTPTransport`` configured for
                TLS) to send the calls through; the caller closes it. The calls run on
                an event loop of the SDK's own thread, not on the caller's loop, so that
                pyqwest's native threads never report to a loop the program is done with
                (see ``_http_loop``).

        Raises:
            InvalidArgumentError: The URL is not an http(s) URL with a host, or the
                timeout is not positive.
        """
        url = check_base_url(base_url)
        self._calls = CallsAsync(
            LockServiceClient(
                url, interceptors=interceptors, http_client=cast("Client", HttpClient(transport))
            ),
            dict(headers or {}),
            check_timeout(timeout),
            url,
        )
        self._held: set[Lock] = set()
        self._closed = False

    @property
    def _clock(self) -> Clock:
        return self._calls.clock

    @_clock.setter
    def _clock(self, clock: Clock) -> None:
        self._calls.clock = clock  # tests substitute a clock that advances when told

    async def acquire(
        self,
        resource: str,
        *,
        ttl: Seconds = DEFAULT_TTL,
        wait: Seconds | None = None,
        data: bytes = b"",
        owner: str = "",
    ) -> Lock:
        """Takes the lock on ``resource`` and starts renewing it in the background.

        Args:
            resource: The resource to lock: any string of 1 to :data:`MAX_RESOURCE_LEN`
                UTF-8 bytes.
            ttl: How long the lock survives this process dying, in seconds
                (:data:`MIN_TTL` to :data:`MAX_TTL`). While the process lives, the lock is
                renewed every third of it.
            wait: How long to wait while another holds the lock. ``None`` (the default)
                waits until the lock is granted or the task is cancelled, as
                :meth:`asyncio.Lock.acquire` does; 0 makes one attempt. Long waits are
                split into several calls. Transient failures and early busy answers (a
                server whose maximum wait is lower) are asked again after a pause of the
                call back-off, within the wait; when a pause would pass the end of the
                wait, the last answer is raised at once instead. A service that does not
                answer at all (connection refused, unknown host) is given up on after the
                policy's ``UNREACHABLE_GIVE_UP_S`` (10 s) since its last answer, or at the
                end of a shorter wait. Once the service has answered that another holds
                the lock, the wait is logged (logger ``distlock``, INFO), and again on
                long waits.
            data: A payload of at most :data:`MAX_DATA_LEN` bytes that :meth:`read` returns.
            owner: A label of at most :data:`MAX_OWNER_LEN` bytes that :meth:`info` returns.

        Returns:
            The held lock. Release it with :meth:`Lock.release` or ``async with``.

        Raises:
            InvalidArgumentError: An argument is out of bounds (raised before any call).
            NotAcquiredError: Another holds the lock and the wait ran out.
            UnavailableError: The service or a quorum of its nodes did not answer, and
                the wait ran out (with no wait, at the first failure); or the service
                could not be reached at all (the message names the URL and the cause).
            DistlockError: Any other failure; its ``code`` says which.
        """
        calls = self._calls
        plan = AcquirePlan.check(
            resource,
            ttl=ttl,
            wait=wait,
            data=data,
            owner=owner,
            url=calls.url,
            call_timeout=calls.timeout,
            clock=calls.clock,
        )
        if self._closed:
            raise DistlockError("distlock: client closed")
        while True:
            attempt = plan.next_call()
            sent = time.monotonic()  # validity counts on this clock, whatever paces the wait
            try:
                resp = await calls.acquire(attempt)
            except ConnectError as err:
                _raise_if_cancelled(err)
                pause = plan.retry(err, attempt)
                if pause is None:
                    raise from_connect_error(err) from err
                if pause:
                    await calls.clock.asleep(pause)
                continue
            lease = plan.lease(resp, sent)
            if not plan.late(lease, sent):
                break
            try:
                lease = await calls.confirm(lease)
            except ConnectError as err:
                await calls.clock.asleep(plan.unconfirmed(err))
                continue
            break
        lock = Lock(calls, lease, self._forget)
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
        wait: Seconds | None = None,
        data: bytes = b"",
        owner: str = "",
    ) -> AsyncIterator[Lock]:
        """Holds the lock on ``resource`` for the duration of an ``async with`` block.

        The arguments are those of :meth:`acquire`. On leaving the block the lock is
        released. If it was lost meanwhile, leaving raises :class:`NotHeldError` carrying
        :attr:`Lock.lost_reason`; if the block raised, its exception is not replaced
        and a failure to release is added to it as a note.

        Yields:
            The held lock.
        """
        held = await self.acquire(resource, ttl=ttl, wait=wait, data=data, owner=owner)
        async with held:
            yield held

    async def info(self, resource: str) -> LockInfo:
        """Describes the current holder of ``resource``.

        Returns:
            The holder.

        Raises:
            InvalidArgumentError: The resource name is invalid (raised before any call).
            NotHeldError: The resource is not locked.
            DistlockError: The call failed.
        """
        request = pb.InfoRequest(resource=check_resource(resource))
        calls = self._calls
        try:
            resp = await calls.rpc.info(
                request, headers=calls.headers, timeout_ms=millis(calls.timeout)
            )
        except ConnectError as err:
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
        calls = self._calls
        try:
            resp = await calls.rpc.read(
                request, headers=calls.headers, timeout_ms=millis(calls.timeout)
            )
        except ConnectError as err:
            if err.code is Code.NOT_FOUND:
                return None
            raise from_connect_error(err) from err
        return resp.data

    async def close(self) -> None:
        """Releases every lock this client still holds and closes the client.

        Release failures are ignored here: those locks expire after their TTL. Like
        :meth:`Lock.release`, each release tries again while the service is
        unavailable, until that lock's validity ends.
        """
        self._closed = True
        for lock in list(self._held):
            with contextlib.suppress(DistlockError):
                await lock.release()
        await self._calls.rpc.close()

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


def _raise_if_cancelled(err: ConnectError) -> None:
    """Raises CancelledError when ``err`` is connectrpc's form of this task's cancellation.

    connectrpc turns the CancelledError of a cancelled call into ``canceled``; handed on
    as a DistlockError it would defeat ``asyncio.timeout`` and task cancellation.
    """
    task = asyncio.current_task()
    if err.code is Code.CANCELED and task is not None and task.cancelling():
        raise asyncio.CancelledError from err
