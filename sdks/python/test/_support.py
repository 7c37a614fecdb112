"""Test helpers: interceptors that watch or break calls, a lease thief, a fake clock."""

from __future__ import annotations

import asyncio
import threading
from typing import TYPE_CHECKING, Any, TypeVar

from connectrpc.code import Code
from connectrpc.errors import ConnectError

from distlock import Lock, LockClient, LockClientSync, LockSync, NotHeldError
from distlock._clock import Clock
from distlock._gen.distlock.v1 import lock_pb2 as pb
from distlock._gen.distlock.v1.lock_connect import LockServiceClientSync

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from connectrpc.request import RequestContext


REQ = TypeVar("REQ")
RES = TypeVar("RES")


class Recorder:
    """Records every call (method name and request), sync and async, and can fail the
    first ``fail`` calls of one method with ``fail_code`` before they are sent."""

    def __init__(
        self, *, fail_method: str = "", fail: int = 0, fail_code: Code = Code.UNAVAILABLE
    ) -> None:
        self.calls: list[tuple[str, object]] = []
        self.failures = 0
        self._fail_method = fail_method
        self._fail = fail
        self._fail_code = fail_code
        self._mu = threading.Lock()
        self._answered = threading.Condition(self._mu)
        self._successes: dict[str, int] = {}
        self.started = threading.Event()
        """Set when the first call starts."""
        self.succeeded = threading.Event()
        """Set after the first call of ``fail_method`` that went through."""

    def _before(self, request: object, ctx: RequestContext[Any, Any]) -> None:
        name = ctx.method.name
        self.started.set()
        with self._mu:
            self.calls.append((name, request))
            if name == self._fail_method and self.failures < self._fail:
                self.failures += 1
                raise ConnectError(self._fail_code, "injected by the test")

    def _after(self, ctx: RequestContext[Any, Any]) -> None:
        name = ctx.method.name
        if name == self._fail_method:
            self.succeeded.set()
        with self._answered:
            self._successes[name] = self._successes.get(name, 0) + 1
            self._answered.notify_all()

    def wait_succeeded(self, method: str, n: int, timeout: float) -> bool:
        """Waits until ``n`` calls of ``method`` have succeeded; False if ``timeout`` ends first."""
        with self._answered:
            return self._answered.wait_for(lambda: self._successes.get(method, 0) >= n, timeout)

    def methods(self) -> list[str]:
        with self._mu:
            return [name for name, _ in self.calls]

    def intercept_unary_sync(
        self,
        call_next: Callable[[REQ, RequestContext[Any, Any]], RES],
        request: REQ,
        ctx: RequestContext[Any, Any],
        /,
    ) -> RES:
        self._before(request, ctx)
        resp = call_next(request, ctx)
        self._after(ctx)
        return resp

    async def intercept_unary(
        self,
        call_next: Callable[[REQ, RequestContext[Any, Any]], Awaitable[RES]],
        request: REQ,
        ctx: RequestContext[Any, Any],
        /,
    ) -> RES:
        self._before(request, ctx)
        resp = await call_next(request, ctx)
        self._after(ctx)
        return resp


def steal(service_url: str, lock: LockSync | Lock) -> LockSync:
    """Deletes lock's lease behind its back and takes the resource with a new client,
    as a holder that paused past its TTL would find it. Returns the thief's lock; the
    thief's client stays open until that lock is released."""
    with LockServiceClientSync(service_url) as raw:
        raw.release(pb.ReleaseRequest(resource=lock.resource, lease_token=lock._lease.token))
    return LockClientSync(service_url).acquire(lock.resource)


def renewal_threads() -> list[threading.Thread]:
    """Returns the SDK's live renewal threads."""
    return [t for t in threading.enumerate() if t.name.startswith("distlock-renew")]


def renewal_tasks() -> list[asyncio.Task[Any]]:
    """Returns the SDK's live renewal tasks on the running loop."""
    return [t for t in asyncio.all_tasks() if t.get_name().startswith("distlock-renew")]


START = 1000.0
"""Where a :class:`FakeClock` starts."""


class FakeClock(Clock):
    """A clock that stands still but for the fake service's waits and the pauses taken."""

    def __init__(self) -> None:
        self.time = START
        self.pauses: list[float] = []

    def now(self) -> float:
        return self.time

    def sleep(self, seconds: float) -> None:
        self.pauses.append(seconds)
        self.time += seconds

    async def asleep(self, seconds: float) -> None:
        self.sleep(seconds)


def is_free(client: LockClientSync, resource: str) -> bool:
    """Reports whether nobody holds ``resource``: info() raises NotHeldError then."""
    try:
        client.info(resource)
    except NotHeldError:
        return True
    return False


async def is_free_async(client: LockClient, resource: str) -> bool:
    """Reports whether nobody holds ``resource``, as :func:`is_free` does."""
    try:
        await client.info(resource)
    except NotHeldError:
        return True
    return False
