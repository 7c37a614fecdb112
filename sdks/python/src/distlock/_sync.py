"""The synchronous client: :class:`LockClientSync` and its locks, :class:`LockSync`.

Each lock is renewed by one background thread.
"""

from __future__ import annotations

import contextlib
import threading
import time
from typing import TYPE_CHECKING, Self

from connectrpc.code import Code
from connectrpc.errors import ConnectError

from ._errors import DistlockError, NotHeldError, from_connect_error
from ._gen.v1 import lock_pb2 as pb
from ._gen.v1.lock_connect import LockServiceClientSync
from ._lease import (
    CALL_SLACK,
    Backoff,
    Lease,
    WaitBudget,
    is_transient,
    millis,
)
from ._limits import (
    DEFAULT_TTL,
    Seconds,
    check_data,
    check_owner,
    check_resource,
    check_ttl,
    check_wait,
)
from ._shared import DEFAULT_TIMEOUT, check_base_url, check_timeout
from ._wire import (
    LockInfo,
    acquire_request,
    extend_request,
    extended,
    info_from,
    lease_from,
    release_request,
)

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Mapping
    from types import TracebackType

    from connectrpc.interceptor import InterceptorSync
    from pyqwest import SyncClient

__all__ = ["LockClientSync", "LockSync"]


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
                into several calls.
            data: A payload of at most 64 KiB that :meth:`read` returns.
            owner: A label of at most 256 bytes that :meth:`info` returns.

        Returns:
            The held lock. Release it with :meth:`LockSync.release` or a ``with`` block.

        Raises:
            InvalidArgumentError: An argument is out of bounds (raised before any call).
            NotAcquiredError: Another holds the lock and the wait ran out.
            UnavailableError: The service or a quorum of its nodes did not answer.
            DistlockError: Any other failure; its ``code`` says which.
        """
        resource = check_resource(resource)
        ttl_s = check_ttl(ttl)
        budget = WaitBudget(check_wait(wait))
        owner = check_owner(owner)
        payload = check_data(data)
        self._check_open()
        while True:
            call_wait = budget.next_call_wait()
            request = acquire_request(
                resource, ttl=ttl_s, wait=call_wait, owner=owner, data=payload
            )
            sent = time.monotonic()
            try:
                resp = self._rpc.acquire(
                    request,
                    headers=self._headers,
                    timeout_ms=millis(call_wait + CALL_SLACK),
                )
            except ConnectError as err:
                if err.code is Code.ABORTED and not budget.spent():
                    continue
                raise from_connect_error(err) from err
            break
        lock = LockSync(self, lease_from(resp, sent=sent, ttl=ttl_s, owner=owner))
        with self._mu:
            if not lock.lost.is_set():
                self._held.add(lock)
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

        Release failures are ignored here: those locks expire after their TTL.
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

    def _extend(self, lease: Lease, ttl: float, call_timeout: float) -> Lease:
        sent = time.monotonic()
        resp = self._rpc.extend(
            extend_request(lease, ttl),
            headers=self._headers,
            timeout_ms=millis(call_timeout),
        )
        return extended(lease, resp, sent=sent, ttl=ttl)

    def _release(self, lease: Lease) -> None:
        self._rpc.release(
            release_request(lease),
            headers=self._headers,
            timeout_ms=millis(self._timeout),
        )


class LockSync:
    """A held lock, renewed by a background thread until released or lost.

    Do not create one directly: :meth:`LockClientSync.acquire` does.

    Attributes:
        resource: The locked resource.
        fencing_token: Strictly increases across successive holders of the resource:
            hand it to the store you protect so it can reject a stale holder.
        owner: The owner label given at acquire.
        lost: Set when the lock is no longer held: renewal failed (the lease expired or
            another took the resource) or the lock was released.
    """

    def __init__(self, client: LockClientSync, lease: Lease) -> None:
        """Starts holding ``lease`` for ``client``; internal to the SDK."""
        self._client = client
        self._lease = lease
        self._mu = threading.Lock()
        self._stop = threading.Event()
        self._released = False
        self.resource = lease.resource
        self.fencing_token = lease.fencing_token
        self.owner = lease.owner
        self.lost = threading.Event()
        self._thread = threading.Thread(
            target=self._renew_loop,
            name=f"distlock-renew {lease.resource}",
            daemon=True,
        )
        self._thread.start()

    @property
    def ttl(self) -> float:
        """The lease's TTL in seconds, as the service last granted it."""
        with self._mu:
            return self._lease.ttl

    def remaining(self) -> float:
        """Returns how many seconds the lock is certainly held without another renewal.

        It is measured on this process's clock and is zero once lost or released.
        """
        if self.lost.is_set():
            return 0.0
        with self._mu:
            return self._lease.remaining()

    def extend(self, ttl: Seconds | None = None) -> None:
        """Renews the lease now, optionally with a new TTL that later renewals keep.

        Background renewal makes this unnecessary; it is for callers that want to
        know the lock is held right now, or to change its TTL.

        Args:
            ttl: The new TTL in seconds (5 to 600); by default the current one.

        Raises:
            InvalidArgumentError: The TTL is out of bounds (raised before any call).
            NotHeldError: The lock is no longer held; it is now reported lost.
            DistlockError: The call failed for another reason; the lock is still
                renewed in the background.
        """
        with self._mu:
            lease = self._lease
        new_ttl = lease.ttl if ttl is None else check_ttl(ttl)
        if self.lost.is_set():
            raise NotHeldError("distlock: lock already lost or released")
        try:
            renewed = self._client._extend(lease, new_ttl, self._client._timeout)
        except ConnectError as err:
            if err.code is Code.NOT_FOUND:
                self._end()
            raise from_connect_error(err) from err
        self._adopt(renewed)

    def release(self) -> None:
        """Stops renewal and deletes the lease. Calling it again does nothing.

        Raises:
            NotHeldError: The lease was no longer held (it had expired or was lost).
            DistlockError: The call failed; the lease then expires after its TTL.
        """
        with self._mu:
            if self._released:
                return
            self._released = True
            lease = self._lease
        self._stop.set()
        if threading.current_thread() is not self._thread:
            self._thread.join()
        try:
            self._client._release(lease)
        except ConnectError as err:
            raise from_connect_error(err) from err
        finally:
            self._end()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            self.release()
        except DistlockError as err:
            if exc is None:
                raise
            exc.add_note(f"releasing the lock on {self.resource!r} also failed: {err}")

    def __repr__(self) -> str:
        state = "lost" if self.lost.is_set() else "held"
        return f"<LockSync resource={self.resource!r} fencing_token={self.fencing_token} {state}>"

    def _adopt(self, renewed: Lease) -> None:
        with self._mu:
            # Two renewals may race (background and extend()); keep the longer validity.
            if renewed.valid_until >= self._lease.valid_until:
                self._lease = renewed

    def _end(self) -> None:
        self.lost.set()
        self._client._forget(self)

    def _renew_loop(self) -> None:
        while True:
            with self._mu:
                interval = self._lease.ttl / 3
            if self._stop.wait(interval):
                return
            if not self._renew_once():
                self._end()
                return

    def _renew_once(self) -> bool:
        """Extends the lease, retrying transient errors while it is valid.

        Returns:
            Whether the lock is still held (or a release has taken over).
        """
        backoff = Backoff()
        while True:
            with self._mu:
                lease = self._lease
            left = lease.remaining()
            if left <= 0:
                return False
            try:
                renewed = self._client._extend(lease, lease.ttl, min(left, self._client._timeout))
            except ConnectError as err:
                if not is_transient(err.code):
                    return False
                if self._stop.wait(min(backoff.next(), lease.remaining())):
                    return True
                continue
            self._adopt(renewed)
            return True
