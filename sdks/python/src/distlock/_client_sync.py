"""The synchronous client, :class:`LockClientSync`."""

from __future__ import annotations

import contextlib
import functools
import threading
import time
from typing import TYPE_CHECKING, Self

from connectrpc.code import Code
from connectrpc.errors import ConnectError

from ._acquire import AcquirePlan
from ._clock import SYSTEM_CLOCK, Clock
from ._errors import DistlockError, from_connect_error
from ._gen.distlock.v1 import lock_pb2 as pb
from ._gen.distlock.v1.lock_connect import LockServiceClientSync
from ._lease import Lease, millis
from ._limits import DEFAULT_TTL, Seconds, check_resource
from ._lock_sync import LockSync
from ._retry import retry_sync
from ._shared import DEFAULT_TIMEOUT, check_base_url, check_timeout
from ._wire import LockInfo, extend_request, extended, info_from, release_request

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Mapping
    from types import TracebackType

    from connectrpc.interceptor import InterceptorSync
    from pyqwest import SyncClient

__all__ = ["LockClientSync"]


class LockClientSync:
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
        timeout: Seconds = DEFAULT_TIMEOUT,
        interceptors: Iterable[InterceptorSync] = (),
        http_client: SyncClient | None = None,
    ) -> None:
        """Creates a client of the service at ``base_url``.

        Args:
            base_url: The service's URL, ``http://host:port`` or ``https://host:port``.
            headers: Headers sent with every call, for example credentials.
            timeout: How long one Extend, Release, Info or Read call may take, in
                seconds. Acquire calls take as long as their wait plus a margin.
            interceptors: Connect interceptors, for example for tracing.
            http_client: A pyqwest ``SyncClient`` to use, for example one configured
                for TLS; the caller closes it.

        Raises:
            InvalidArgumentError: The URL is not an http(s) URL or the timeout is not
                positive.
        """
        self._rpc = LockServiceClientSync(
            check_base_url(base_url), interceptors=interceptors, http_client=http_client
        )
        self._headers = dict(headers or {})
        self._timeout = check_timeout(timeout)
        self._clock: Clock = SYSTEM_CLOCK
        self._mu = threading.Lock()
        self._held: set[LockSync] = set()
        self._closed = False

    def acquire(
        self,
        resource: str,
        *,
        ttl: Seconds = DEFAULT_TTL,
        wait: Seconds | None = 0,
        data: bytes = b"",
        owner: str = "",
    ) -> LockSync:
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
                a failed one otherwise.
            data: A payload of at most 64 KiB that :meth:`read` returns.
            owner: A label of at most 256 bytes that :meth:`info` returns.

        Returns:
            The held lock. Release it with :meth:`LockSync.release` or a ``with`` block.

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
        self._check_open()
        while True:
            attempt = plan.next_call()
            sent = time.monotonic()  # validity counts on this clock, whatever paces the wait
            try:
                resp = self._rpc.acquire(
                    attempt.request, headers=self._headers, timeout_ms=attempt.timeout_ms
                )
            except ConnectError as err:
                pause = plan.retry(err, attempt)
                if pause is None:
                    raise from_connect_error(err) from err
                if pause:
                    self._clock.sleep(pause)
                continue
            lease = plan.lease(resp, sent)
            if not plan.late(lease, sent):
                break
            try:
                lease = self._confirm(lease)
            except ConnectError as err:
                self._clock.sleep(plan.unconfirmed(err))
                continue
            break
        lock = LockSync(self, lease)
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

    @contextlib.contextmanager
    def lock(
        self,
        resource: str,
        *,
        ttl: Seconds = DEFAULT_TTL,
        wait: Seconds | None = 0,
        data: bytes = b"",
        owner: str = "",
    ) -> Iterator[LockSync]:
        """Holds the lock on ``resource`` for the duration of a ``with`` block.

        The arguments are those of :meth:`acquire`. On leaving the block the lock is
        released; if the block raised, a failure to release is added to its exception
        as a note instead of replacing it.

        Yields:
            The held lock.
        """
        held = self.acquire(resource, ttl=ttl, wait=wait, data=data, owner=owner)
        with held:
            yield held

    def info(self, resource: str) -> LockInfo | None:
        """Describes the current holder of ``resource``.

        Returns:
            The holder, or ``None`` when the resource is not locked.

        Raises:
            InvalidArgumentError: The resource name is invalid (raised before any call).
            DistlockError: The call failed.
        """
        request = pb.InfoRequest(resource=check_resource(resource))
        try:
            resp = self._rpc.info(request, headers=self._headers, timeout_ms=millis(self._timeout))
        except ConnectError as err:
            if err.code is Code.NOT_FOUND:
                return None
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
        try:
            resp = self._rpc.read(request, headers=self._headers, timeout_ms=millis(self._timeout))
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
            held = list(self._held)
        for lock in held:
            with contextlib.suppress(DistlockError):
                lock.release()
        self._rpc.close()

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

    def _forget(self, lock: LockSync) -> None:
        with self._mu:
            self._held.discard(lock)

    def _confirm(self, lease: Lease) -> Lease:
        """Returns a late grant's lease with its validity measured from an Extend sent now.

        If the Extend fails (or is interrupted) the lease is released before the error
        propagates, so an unconfirmed grant does not keep the resource from others.
        """
        try:
            return self._extend(lease, lease.ttl, self._timeout)
        except BaseException:
            with contextlib.suppress(ConnectError):  # best effort: it expires after its TTL
                self._release(lease)
            raise

    def _extend(self, lease: Lease, ttl: float, call_timeout: float) -> Lease:
        sent = time.monotonic()
        resp = self._rpc.extend(
            extend_request(lease, ttl),
            headers=self._headers,
            timeout_ms=millis(call_timeout),
        )
        return extended(lease, resp, sent=sent, ttl=ttl)

    def _extend_retrying(self, lease: Lease, ttl: float) -> Lease:
        """Extends ``lease`` to ``ttl``, retrying until its validity ends (the Go SDK's Extend).

        Only :data:`~._retry.TRANSIENT` failures are tried again; see :func:`retry_sync`.
        """
        return retry_sync(
            functools.partial(self._extend, lease, ttl, self._timeout),
            left=lease.remaining(),
            now=self._clock.now,
            sleep=self._pause,
        )

    def _release_retrying(self, lease: Lease) -> None:
        """Releases ``lease``, retrying until its validity ends (the Go SDK's Release).

        Only :data:`~._retry.TRANSIENT` failures are tried again; after the validity the lease has
        expired anyway.
        """
        retry_sync(
            functools.partial(self._release, lease),
            left=lease.remaining(),
            now=self._clock.now,
            sleep=self._pause,
        )

    def _pause(self, seconds: float) -> bool:
        self._clock.sleep(seconds)
        return True

    def _release(self, lease: Lease) -> None:
        self._rpc.release(
            release_request(lease),
            headers=self._headers,
            timeout_ms=millis(self._timeout),
        )
