"""The asyncio client, :class:`LockClient`."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import time
import weakref
from typing import TYPE_CHECKING, Self, Unpack, cast

from connectrpc.code import Code
from connectrpc.errors import ConnectError

from ._acquire import AcquirePlan
from ._admin_async import AdminAsync
from ._calls_async import CallsAsync
from ._coalesce_async import CoalescerAsync
from ._errors import DistlockError, from_connect_error
from ._gen.distlock.v1 import lock_pb2 as pb
from ._gen.distlock.v1.lock_connect import LockServiceClient
from ._hold_async import Held
from ._hold_retry import HoldRetry
from ._http_async import HttpClient
from ._lease import millis
from ._limits import DEFAULT_TTL, Seconds, check_resource, check_ttl, check_wait
from ._lock_async import Lock
from ._session_async import Session
from ._shared import DEFAULT_TIMEOUT, UNCOMPRESSED, check_base_url, check_timeout
from ._stream_wire import (
    HoldOptions,
    WatchEvent,
    hold_request,
    stream_error,
    watch_event,
    watch_request,
)
from ._token import Credentials
from ._wire import LockInfo, info_from

if TYPE_CHECKING:
    from collections.abc import AsyncGenerator, AsyncIterator, Iterable, Mapping
    from types import TracebackType

    import aiohttp
    from connectrpc.interceptor import Interceptor
    from pyqwest import Client

    from ._clock import Clock
    from ._token import AsyncToken

__all__ = ["LockClient"]


class LockClient(AdminAsync):
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
        token: AsyncToken | None = None,
        timeout: Seconds = DEFAULT_TIMEOUT,
        interceptors: Iterable[Interceptor] = (),
        session: aiohttp.ClientSession | None = None,
        coalesce: bool = True,
    ) -> None:
        """Creates a client of the service at ``base_url``.

        Args:
            base_url: The service's URL, ``http://host:port`` or ``https://host:port``.
            headers: Headers sent with every call.
            token: A bearer token sent as ``Authorization: Bearer <token>``, or a
                function returning it (plain or ``async``), called before every call (cache
                and refresh in it). A provider that raises fails the call as
                ``unauthenticated``. Never logged nor shown in a ``repr``.
            timeout: How long one call may take beyond the wait it asks for, in seconds:
                an Extend, Release, Info or Read call takes at most this long, an
                Acquire call its wait plus this.
            interceptors: Connect interceptors, for example for tracing.
            session: An ``aiohttp.ClientSession`` to send the calls through (e.g. one
                whose connector is configured for TLS); the caller closes it. Without
                one the client makes its own on its first call, on the loop making
                that call, and :meth:`close` closes it. Calls run on the caller's loop;
                the SDK sets no timeout of aiohttp's (``timeout=`` bounds each call).
            coalesce: Let concurrent Acquire, Extend and Release calls share requests
                (the service's ``Batch``): calls made in the same event-loop iteration,
                or while a request that answers in one round trip is in flight, go
                together in one request. A lone call is sent at once as its own RPC.
                Each call still gets the answer, error, retries and deadline its own
                RPC would. ``False`` sends every call as its own RPC.

        Raises:
            InvalidArgumentError: The URL is not an http(s) URL with a host, the
                timeout is not positive, the token is not a non-empty string or a
                function, or both ``token`` and an Authorization header are given.
        """
        url = check_base_url(base_url)
        self._http = HttpClient(session)
        rpc = LockServiceClient(
            url,
            interceptors=interceptors,
            http_client=cast("Client", self._http),
            **UNCOMPRESSED,
        )
        credentials = Credentials(headers, token)
        seconds = check_timeout(timeout)
        self._calls = CallsAsync(
            rpc,
            credentials,
            seconds,
            url,
            CoalescerAsync(rpc, credentials, seconds, enabled=coalesce),
        )
        self._held: set[Lock | Held] = set()
        self._sessions: weakref.WeakSet[Session] = weakref.WeakSet()
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
        return await self._acquire(
            resource, ttl=ttl, wait=wait, data=data, owner=owner, calls=self._calls, renew=True
        )

    async def _acquire(
        self,
        resource: str,
        *,
        ttl: Seconds,
        wait: Seconds | None,
        data: bytes,
        owner: str,
        calls: CallsAsync,
        renew: bool,
    ) -> Lock:
        """:meth:`acquire` through ``calls``; with ``renew`` false a session renews it."""
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
        lock = Lock(calls, lease, self._forget, renew=renew)
        if self._closed:
            # close() ran while this call was in flight and could not see the lock.
            with contextlib.suppress(DistlockError):
                await lock.release()
            raise DistlockError("distlock: client closed")
        self._held.add(lock)
        return lock

    def session(self, *, ttl: Seconds = DEFAULT_TTL) -> Session:
        """Returns a session: locks that it keeps alive together, for ``async with``.

        Every renewal period (a third of ``ttl``) one Batch renews all the session's
        locks, whatever their number; a lock that fails renewal is lost exactly as a
        lock renewed on its own would be (``lost``, ``lost_reason``), and if the service
        cannot be reached until their validity ends, every lock is reported lost.
        Leaving the block releases the locks still held, in one Batch. Closing the
        client closes its sessions.

        Args:
            ttl: The TTL of every lock of the session, in seconds (:data:`MIN_TTL` to
                :data:`MAX_TTL`).

        Raises:
            InvalidArgumentError: The TTL is out of bounds.
            DistlockError: The client is closed.
        """
        seconds = check_ttl(ttl)
        if self._closed:
            raise DistlockError("distlock: client closed")
        acquire = functools.partial(self._acquire, calls=self._calls, renew=False)
        session = Session(self._calls, seconds, acquire)
        self._sessions.add(session)
        return session

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

    @contextlib.asynccontextmanager
    async def hold(self, resource: str, **options: Unpack[HoldOptions]) -> AsyncIterator[Held]:
        """Holds the lock on ``resource`` over one Hold stream, for an ``async with`` block.

        The service renews the lock (no timer runs here) and releases it as soon as the
        stream ends: when the block is left, or this process dies (its connection
        resets). ``lost`` is set if the lock ends earlier, with :attr:`Held.lost_reason`
        saying why (the service's ``lost`` event, or an :class:`UnavailableError` when
        the stream broke without one: never silently); leaving the block then raises
        :class:`NotHeldError`, unless the block raised.

        The options are those of :meth:`acquire` (``ttl``, ``wait``, ``data``,
        ``owner``, keyword-only), but the wait is one stream: the service reports
        progress on it, so it is not split into calls. ``None`` waits until granted or
        the task is cancelled. A transient failure before the grant opens a new stream
        after the call back-off while the wait lasts, as :meth:`acquire` retries.
        ``on_waiting`` is called with the :class:`Holder` each time the service says
        the hold waits for it. A stream that brings no word of the lock for its
        validity (a dead connection) is ended and the lock reported lost.

        Yields:
            The held lock.

        Raises:
            DistlockError: What :meth:`LockClientSync.hold` raises: ``NotAcquiredError``
                when the wait ran out, ``InvalidArgumentError`` before any call, and
                the stream's error (its ``code`` says which) if it failed before the grant.
        """
        request = hold_request(resource, **options)
        if self._closed:
            raise DistlockError("distlock: client closed")
        retry = HoldRetry(check_wait(options.get("wait")), self._clock)
        while True:
            held = Held(request, self._forget, self._release_lease, options.get("on_waiting"))
            try:
                headers = await self._calls.credentials.async_headers()
            except ConnectError as err:
                raise from_connect_error(err) from err
            retry.aim(request)
            try:
                await held.follow(self._calls.rpc.hold(request, headers=headers))
                break
            except DistlockError as err:
                pause = retry.pause(err)
                if pause is None or self._closed:
                    raise
            await self._clock.asleep(pause)
        if self._closed:
            await held.release()
            raise DistlockError("distlock: client closed")
        self._held.add(held)
        async with held:
            yield held

    async def watch(self, resource: str, *, prefix: bool = False) -> AsyncGenerator[WatchEvent]:
        """Follows ``resource`` (or every resource it prefixes) and yields its events.

        First the current state (a ``current`` event per held resource, then ``synced``),
        then each change in order per resource. On ``resync`` discard what you know: the
        service dropped events because this reader was slow, and a fresh state follows.
        The stream ends only when you stop iterating (leave an ``async with
        contextlib.aclosing(...)`` block, or cancel the task); otherwise iteration ends
        with an error, never silently: :class:`UnavailableError` when the service goes
        away or drains, a :class:`DistlockError` with code ``unimplemented`` when its
        backend cannot watch.

        Args:
            resource: The resource, or the prefix with ``prefix=True`` (``""`` with it:
                every resource).
            prefix: Watch every resource whose name starts with ``resource``.

        Raises:
            InvalidArgumentError: The name is invalid (raised at the first iteration).
        """
        request = watch_request(resource, prefix=prefix)
        if self._closed:
            raise DistlockError("distlock: client closed")
        err: Exception | None = None
        try:
            headers = await self._calls.credentials.async_headers()
            async for message in self._calls.rpc.watch(request, headers=headers):
                yield watch_event(message)
        except ConnectError as e:
            _raise_if_cancelled(e)
            err = e
        raise stream_error(err, "the Watch stream ended")

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
                request,
                headers=await calls.credentials.async_headers(),
                timeout_ms=millis(calls.timeout),
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
                request,
                headers=await calls.credentials.async_headers(),
                timeout_ms=millis(calls.timeout),
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
        for session in list(self._sessions):
            await session.close()  # its locks in one Batch
        for lock in list(self._held):
            with contextlib.suppress(DistlockError):
                await lock.release()
        await self._calls.coalescer.drain()
        await self._calls.rpc.close()
        await self._http.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def _release_lease(self, resource: str, lease_token: str) -> None:
        """One Release call for a Hold's lease; a failure is left to the stream's end."""
        with contextlib.suppress(ConnectError, DistlockError):
            await self._calls.rpc.release(
                pb.ReleaseRequest(resource=resource, lease_token=lease_token),
                headers=await self._calls.credentials.async_headers(),
                timeout_ms=millis(self._calls.timeout),
            )

    def _forget(self, lock: Lock | Held) -> None:
        self._held.discard(lock)


def _raise_if_cancelled(err: ConnectError) -> None:
    """Raises CancelledError when ``err`` is connectrpc's form of this task's cancellation.

    connectrpc turns the CancelledError of a cancelled call into ``canceled``; handed on
    as a DistlockError it would defeat ``asyncio.timeout`` and task cancellation.
    """
    task = asyncio.current_task()
    if err.code is Code.CANCELED and task is not None and task.cancelling():
        raise asyncio.CancelledError from err
