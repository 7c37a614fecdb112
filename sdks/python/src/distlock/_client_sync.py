"""The synchronous client, :class:`LockClientSync`."""

from __future__ import annotations

import contextlib
import functools
import threading
import time
import weakref
from typing import TYPE_CHECKING, Self, Unpack, cast

from connectrpc.code import Code
from connectrpc.errors import ConnectError
from pyqwest import SyncClient

from ._acquire import AcquirePlan
from ._admin_sync import AdminSync
from ._calls_sync import CallsSync
from ._coalesce_sync import CoalescerSync
from ._errors import DistlockError, from_connect_error
from ._gen.distlock.v1 import lock_pb2 as pb
from ._gen.distlock.v1.lock_connect import LockServiceClientSync
from ._hold_retry import HoldRetry
from ._hold_sync import CapturingClient, HeldSync
from ._lease import millis
from ._limits import DEFAULT_TTL, Seconds, check_resource, check_ttl, check_wait
from ._lock_sync import LockSync
from ._session_sync import SessionSync
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
    from collections.abc import Generator, Iterable, Iterator, Mapping
    from types import TracebackType

    from connectrpc.interceptor import InterceptorSync

    from ._clock import Clock
    from ._token import SyncToken

__all__ = ["LockClientSync"]


class LockClientSync(AdminSync):
    """A synchronous client of the distlock service.

    It is safe to share between threads. Closing it releases the locks it still holds.

    Example:
        ```python
        with LockClientSync("http://127.0.0.1:8080") as client:
            with client.lock("orders/42", ttl=30) as lock:
                print(lock.fencing_token)
        ```
    """

    def __init__(
        self,
        base_url: str,
        *,
        headers: Mapping[str, str] | None = None,
        token: SyncToken | None = None,
        timeout: Seconds = DEFAULT_TIMEOUT,
        interceptors: Iterable[InterceptorSync] = (),
        http_client: SyncClient | None = None,
        coalesce: bool = True,
    ) -> None:
        """Creates a client of the service at ``base_url``.

        Args:
            base_url: The service's URL, ``http://host:port`` or ``https://host:port``.
            headers: Headers sent with every call.
            token: A bearer token sent as ``Authorization: Bearer <token>``, or a
                function returning it, called before every call (cache
                and refresh in it). A provider that raises fails the call as
                ``unauthenticated``. Never logged nor shown in a ``repr``.
            timeout: How long one call may take beyond the wait it asks for, in seconds:
                an Extend, Release, Info or Read call takes at most this long, an
                Acquire call its wait plus this.
            interceptors: Connect interceptors, for example for tracing.
            http_client: A pyqwest ``SyncClient`` to use, for example one configured
                for TLS; the caller closes it.
            coalesce: Let concurrent Acquire, Extend and Release calls from several
                threads share requests (the service's ``Batch``): calls made while a
                request that answers in one round trip is in flight go together in the
                next request. A call made when nothing is in flight is sent at once, on
                its own thread, as its own RPC. Each call still gets the answer, error,
                retries and deadline its own RPC would. ``False`` sends every call as
                its own RPC.

        Raises:
            InvalidArgumentError: The URL is not an http(s) URL with a host, the
                timeout is not positive, the token is not a non-empty string or a
                function, or both ``token`` and an Authorization header are given.
        """
        url = check_base_url(base_url)
        # Streams go through a client of their own, which hands each Hold its response so
        # that release() can end the stream from the holder's thread.
        self._capture = CapturingClient(http_client or SyncClient())
        self._streams = LockServiceClientSync(
            url,
            interceptors=interceptors,
            http_client=cast("SyncClient", self._capture),
        )
        rpc = LockServiceClientSync(
            url, interceptors=interceptors, http_client=http_client, **UNCOMPRESSED
        )
        credentials = Credentials(headers, token)
        seconds = check_timeout(timeout)
        self._calls = CallsSync(
            rpc,
            credentials,
            seconds,
            url,
            CoalescerSync(rpc, credentials, seconds, enabled=coalesce),
        )
        self._mu = threading.Lock()
        self._held: set[LockSync | HeldSync] = set()
        self._sessions: weakref.WeakSet[SessionSync] = weakref.WeakSet()
        self._closed = False

    @property
    def _clock(self) -> Clock:
        return self._calls.clock

    @_clock.setter
    def _clock(self, clock: Clock) -> None:
        self._calls.clock = clock  # tests substitute a clock that advances when told

    def acquire(
        self,
        resource: str,
        *,
        ttl: Seconds = DEFAULT_TTL,
        wait: Seconds | None = None,
        data: bytes = b"",
        owner: str = "",
    ) -> LockSync:
        """Takes the lock on ``resource`` and starts renewing it in the background.

        Args:
            resource: The resource to lock: any string of 1 to :data:`MAX_RESOURCE_LEN`
                UTF-8 bytes.
            ttl: How long the lock survives this process dying, in seconds
                (:data:`MIN_TTL` to :data:`MAX_TTL`). While the process lives, the lock is
                renewed every third of it.
            wait: How long to wait while another holds the lock. ``None`` (the default)
                waits until the lock is granted or the call is interrupted, as
                :meth:`threading.Lock.acquire` does (Ctrl-C takes effect when the Acquire
                call in flight returns: pyqwest's blocking call does not see signals, and
                a call waits at most ``MAX_WAIT_PER_CALL_S``); 0 makes one attempt. Long waits are
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
            The held lock. Release it with :meth:`LockSync.release` or a ``with`` block.

        Raises:
            InvalidArgumentError: An argument is out of bounds (raised before any call).
            NotAcquiredError: Another holds the lock and the wait ran out.
            UnavailableError: The service or a quorum of its nodes did not answer, and
                the wait ran out (with no wait, at the first failure); or the service
                could not be reached at all (the message names the URL and the cause).
            DistlockError: Any other failure; its ``code`` says which.
        """
        return self._acquire(
            resource, ttl=ttl, wait=wait, data=data, owner=owner, calls=self._calls, renew=True
        )

    def _acquire(
        self,
        resource: str,
        *,
        ttl: Seconds,
        wait: Seconds | None,
        data: bytes,
        owner: str,
        calls: CallsSync,
        renew: bool,
    ) -> LockSync:
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
        self._check_open()
        while True:
            attempt = plan.next_call()
            sent = time.monotonic()  # validity counts on this clock, whatever paces the wait
            try:
                resp = calls.acquire(attempt)
            except ConnectError as err:
                pause = plan.retry(err, attempt)
                if pause is None:
                    raise from_connect_error(err) from err
                if pause:
                    calls.clock.sleep(pause)
                continue
            lease = plan.lease(resp, sent)
            if not plan.late(lease, sent):
                break
            try:
                lease = calls.confirm(lease)
            except ConnectError as err:
                calls.clock.sleep(plan.unconfirmed(err))
                continue
            break
        lock = LockSync(calls, lease, self._forget, renew=renew)
        with self._mu:
            closed = self._closed
            if not closed and not lock.lost.is_set():
                self._held.add(lock)
        if closed:
            # close() ran while this call was in flight and could not see the lock.
            with contextlib.suppress(DistlockError):
                lock.release()
            raise DistlockError("distlock: client closed")
        return lock

    def session(self, *, ttl: Seconds = DEFAULT_TTL) -> SessionSync:
        """Returns a session: locks that it keeps alive together, for ``with``.

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
        self._check_open()
        acquire = functools.partial(self._acquire, calls=self._calls, renew=False)
        session = SessionSync(self._calls, seconds, acquire)
        with self._mu:
            self._sessions.add(session)
        return session

    @contextlib.contextmanager
    def lock(
        self,
        resource: str,
        *,
        ttl: Seconds = DEFAULT_TTL,
        wait: Seconds | None = None,
        data: bytes = b"",
        owner: str = "",
    ) -> Iterator[LockSync]:
        """Holds the lock on ``resource`` for the duration of a ``with`` block.

        The arguments are those of :meth:`acquire`. On leaving the block the lock is
        released. If it was lost meanwhile, leaving raises :class:`NotHeldError` carrying
        :attr:`LockSync.lost_reason`; if the block raised, its exception is not replaced
        and a failure to release is added to it as a note.

        Yields:
            The held lock.
        """
        held = self.acquire(resource, ttl=ttl, wait=wait, data=data, owner=owner)
        with held:
            yield held

    @contextlib.contextmanager
    def hold(self, resource: str, **options: Unpack[HoldOptions]) -> Iterator[HeldSync]:
        """Holds the lock on ``resource`` over one Hold stream, for a ``with`` block.

        The service renews the lock (no timer runs here) and releases it as soon as the
        stream ends: when the block is left, or this process dies (its connection
        resets). ``lost`` is set if the lock ends earlier, with
        :attr:`HeldSync.lost_reason` saying why (the service's ``lost`` event, or an
        :class:`UnavailableError` when the stream broke without one: never silently);
        leaving the block then raises :class:`NotHeldError`, unless the block raised.

        The options are those of :meth:`acquire` (``ttl``, ``wait``, ``data``,
        ``owner``, keyword-only), but the wait is one stream: the service reports
        progress on it, so it is not split into calls. ``None`` waits until granted or
        interrupted (Ctrl-C ends the stream). A transient failure before the grant
        opens a new stream after the call back-off while the wait lasts, as
        :meth:`acquire` retries. ``on_waiting`` is called, on the stream's reading
        thread, with the :class:`Holder` each time the service says the hold waits for
        it. A stream that brings no word of the lock for its validity (a dead
        connection) is ended and the lock reported lost.

        Yields:
            The held lock.

        Raises:
            InvalidArgumentError: An argument is out of bounds (raised before any call).
            NotAcquiredError: Another holds the lock and the wait ran out.
            DistlockError: The stream failed before the grant; its ``code`` says why.
        """
        request = hold_request(resource, **options)
        self._check_open()
        retry = HoldRetry(check_wait(options.get("wait")), self._clock)
        while True:
            held = HeldSync(request, self._forget, self._release_lease, options.get("on_waiting"))
            try:
                headers = self._calls.headers
            except ConnectError as err:
                raise from_connect_error(err) from err
            retry.aim(request)
            try:
                held.follow(self._streams.hold(request, headers=headers), self._capture)
                break
            except DistlockError as err:
                pause = retry.pause(err)
                if pause is None or self._closed:
                    raise
            self._clock.sleep(pause)
        with self._mu:
            closed = self._closed
            if not closed:
                self._held.add(held)
        if closed:
            held.release()
            raise DistlockError("distlock: client closed")
        with held:
            yield held

    def watch(self, resource: str, *, prefix: bool = False) -> Generator[WatchEvent]:
        """Follows ``resource`` (or every resource it prefixes) and yields its events.

        First the current state (a ``current`` event per held resource, then ``synced``),
        then each change in order per resource. On ``resync`` discard what you know: the
        service dropped events because this reader was slow, and a fresh state follows.
        The stream ends only when you stop iterating (close the iterator, or leave a
        ``with contextlib.closing(...)`` block); otherwise iteration ends with an error,
        never silently: :class:`UnavailableError` when the service goes away or drains,
        a :class:`DistlockError` with code ``unimplemented`` when its backend cannot watch.

        Args:
            resource: The resource, or the prefix with ``prefix=True`` (``""`` with it:
                every resource).
            prefix: Watch every resource whose name starts with ``resource``.

        Raises:
            InvalidArgumentError: The name is invalid (raised before any call).
        """
        request = watch_request(resource, prefix=prefix)
        self._check_open()
        return self._watch(request)

    def _watch(self, request: pb.WatchRequest) -> Generator[WatchEvent]:
        err: Exception | None = None
        try:
            for message in self._streams.watch(request, headers=self._calls.headers):
                yield watch_event(message)
        except ConnectError as e:
            err = e
        raise stream_error(err, "the Watch stream ended")

    def info(self, resource: str) -> LockInfo:
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
            resp = calls.rpc.info(request, headers=calls.headers, timeout_ms=millis(calls.timeout))
        except ConnectError as err:
            raise from_connect_error(err) from err
        return info_from(resp)

    def read(self, resource: str) -> bytes | None:
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
            resp = calls.rpc.read(request, headers=calls.headers, timeout_ms=millis(calls.timeout))
        except ConnectError as err:
            if err.code is Code.NOT_FOUND:
                return None
            raise from_connect_error(err) from err
        return resp.data

    def close(self) -> None:
        """Releases every lock this client still holds and closes the client.

        Release failures are ignored here: those locks expire after their TTL. Like
        :meth:`LockSync.release`, each release tries again while the service is
        unavailable, until that lock's validity ends.
        """
        with self._mu:
            self._closed = True
            sessions = list(self._sessions)
        for session in sessions:
            session.close()  # its locks in one Batch
        with self._mu:
            held = list(self._held)
        for lock in held:
            with contextlib.suppress(DistlockError):
                lock.release()
        self._calls.rpc.close()
        self._streams.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _check_open(self) -> None:
        with self._mu:
            if self._closed:
                raise DistlockError("distlock: client closed")

    def _release_lease(self, resource: str, lease_token: str) -> None:
        """One Release call for a Hold's lease; a failure is left to the stream's end."""
        with contextlib.suppress(ConnectError, DistlockError):
            self._calls.rpc.release(
                pb.ReleaseRequest(resource=resource, lease_token=lease_token),
                headers=self._calls.headers,
                timeout_ms=millis(self._calls.timeout),
            )

    def _forget(self, lock: LockSync | HeldSync) -> None:
        with self._mu:
            self._held.discard(lock)
