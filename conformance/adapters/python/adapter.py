"""Conformance adapter of the Python SDK (sdks/python), sync or asyncio client.

``adapter.py --mode sync`` drives LockClientSync/LockSync, ``--mode async`` drives
LockClient/Lock. It speaks the adapter protocol of
proto/distlock/conformance/v1/adapter.proto with its generated messages: one protojson
AdapterRequest per line on stdin, one AdapterResponse per line on stdout. Both modes
run on one asyncio loop, each request a task; in sync mode every SDK call runs in a
worker thread (``to_thread``), so a waiting acquire blocks neither mode's loop. Named
clients and locks are the SDK's; a watcher per lock reports ``lost`` unless the runner
released it. A hold is the SDK's ``hold`` block, entered in a task (or thread) of its own
and left by the release; a watch sends each event the SDK yields. Run it with the repository's .venv (``make setup`` installs the SDK).
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import importlib.util
import inspect
import pathlib
import sys
import threading
from collections.abc import Callable
from typing import Any

import distlock
from google.protobuf import json_format

_GEN = (
    pathlib.Path(__file__).resolve().parents[3]
    / "gen/python/distlock/conformance/v1/adapter_pb2.py"
)


def _load_messages() -> Any:
    # By path: the generated package is named distlock, like the SDK it tests.
    spec = importlib.util.spec_from_file_location("conformance_adapter_pb2", _GEN)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


pb = _load_messages()

_CODES: list[tuple[type[BaseException], str]] = [
    (distlock.NotAcquiredError, "aborted"),
    (distlock.NotHeldError, "not_found"),
    (distlock.UnavailableError, "unavailable"),
    (distlock.InvalidArgumentError, "invalid_argument"),
    (distlock.UnauthenticatedError, "unauthenticated"),
    (distlock.PermissionDeniedError, "permission_denied"),
    (distlock.ResourceExhaustedError, "resource_exhausted"),
]

RELEASE_BOUND = 12
"""Seconds a release during reset may take: more than one call's timeout (10 s)."""


class BodyError(Exception):
    """What a scoped block's body raises when the runner asks for it."""


def error_of(err: BaseException | None) -> Any:
    """The protocol's Error for an exception (None stays None)."""
    if err is None:
        return None
    if isinstance(err, BodyError):
        return pb.Error(code="body", message=str(err))
    code = next((c for cls, c in _CODES if isinstance(err, cls)), None)
    if code is None:
        code = getattr(err, "code", None) or "unknown"
    return pb.Error(code=str(code), message=str(err))


class Mode:
    """The difference between the two clients: how to call, how to wait."""

    def __init__(self, name: str) -> None:
        self.is_async = name == "async"
        self.client_class = (
            distlock.LockClient if self.is_async else distlock.LockClientSync
        )

    async def call(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if self.is_async:
            return await fn(*args, **kwargs)
        return await asyncio.to_thread(fn, *args, **kwargs)

    async def wait_lost(self, lock: Any) -> None:
        await self.call(lock.lost.wait)


class Scope:
    """A lock held inside the language's block (``with`` / ``async with``) until release."""

    def __init__(self, mode: Mode) -> None:
        self.mode = mode
        self.leave = threading.Event()
        self.raise_in_block = False
        self.granted: concurrent.futures.Future[Any] = concurrent.futures.Future()
        self.left: concurrent.futures.Future[BaseException | None] = (
            concurrent.futures.Future()
        )

    def body(self, lock: Any) -> None:
        self.granted.set_result(lock)
        self.leave.wait()
        if self.raise_in_block:
            raise BodyError("the block's body raised")

    def run_sync(self, acquire: Callable[[], Any]) -> None:
        try:
            with acquire() as lock:
                self.body(lock)
        except BaseException as err:  # noqa: BLE001 - whatever leaves the block is the answer
            self.settle(err)
        self.settle(None)

    async def run_async(self, acquire: Callable[[], Any]) -> None:
        try:
            # acquire() is a coroutine giving the lock; hold() is the block's manager.
            manager = acquire()
            if inspect.isawaitable(manager):
                manager = await manager
            async with manager as lock:
                self.granted.set_result(lock)
                await asyncio.to_thread(self.leave.wait)
                if self.raise_in_block:
                    raise BodyError("the block's body raised")
        except BaseException as err:  # noqa: BLE001 - whatever leaves the block is the answer
            self.settle(err)
        self.settle(None)

    def settle(self, err: BaseException | None) -> None:
        if not self.granted.done():
            self.granted.set_exception(
                err or RuntimeError("block ended before the grant")
            )
        elif not self.left.done():
            self.left.set_result(err)


class Adapter:
    def __init__(self, mode: Mode, target: str) -> None:
        self.mode = mode
        self.target = target
        self.out = threading.Lock()
        self.clients: dict[str, Any] = {}
        self.locks: dict[str, Any] = {}
        self.scopes: dict[str, Scope] = {}
        self.released: set[str] = set()
        self.watchers: list[tuple[str, asyncio.Task[None]]] = []
        self.watches: list[Watch] = []
        # Sessions by name, each with the names of the locks taken in it.
        self.sessions: dict[str, tuple[Any, list[str]]] = {}

    def send(self, msg: Any) -> None:
        line = json_format.MessageToJson(msg, indent=None)
        with self.out:
            sys.stdout.write(line + "\n")
            sys.stdout.flush()

    def client(
        self, name: str, url: str, timeout: float | None = None, token: str = ""
    ) -> Any:
        if name not in self.clients:
            kwargs: dict[str, Any] = {} if timeout is None else {"timeout": timeout}
            if token:
                kwargs["token"] = token
            self.clients[name] = self.mode.client_class(url, **kwargs)
        return self.clients[name]

    async def handle(self, req: Any) -> Any:
        op = req.WhichOneof("op")
        m = getattr(req, op)
        if op == "hello":
            caps = ["renewal", "policy", "scope", "hold", "watch", "session"]
            return pb.Reply(hello=pb.HelloResult(target=self.target, capabilities=caps))
        if op == "new_client":
            timeout = (
                m.call_timeout.ToTimedelta().total_seconds()
                if m.HasField("call_timeout")
                else None
            )
            self.client(m.client, m.url, timeout, m.token)
            return pb.Reply()
        if op == "session":
            ttl = m.ttl.ToTimedelta().total_seconds()
            session = self.client(m.client, m.url).session(ttl=ttl)
            self.sessions[m.session] = (session, [])
            return pb.Reply()
        if op == "close_session":
            session, names = self.sessions[m.session]
            # The runner closes it: the locks it releases are not lost.
            self.released.update(names)
            await self.mode.call(session.close)
            return pb.Reply()
        if op == "acquire" and m.session:
            session, names = self.sessions[m.session]
            lock = await self.mode.call(
                session.acquire, m.resource, owner=m.owner, data=m.data
            )
            names.append(m.lock)
            return self.keep(m.lock, lock)
        if op == "acquire":
            return await self.acquire(m)
        if op == "hold":
            return await self.hold(m)
        if op == "watch":
            watch = Watch(self, m.watch)
            self.watches.append(watch)
            watch.start(self.client(m.client, m.url), m.resource, m.prefix)
            return pb.Reply()
        if op == "extend":
            lock = self.locks[m.lock]
            ttl = m.ttl.ToTimedelta().total_seconds() if m.HasField("ttl") else None
            await self.mode.call(lock.extend, ttl)
            return pb.Reply(lock=pb.LockResult(fencing_token=lock.fencing_token))
        if op == "release":
            return await self.release(m)
        if op == "info":
            info = await self.mode.call(self.client(m.client, m.url).info, m.resource)
            if info is None:  # the SDK's answer for a free lock before decision 3
                return pb.Reply(info=pb.InfoResult())
            result = pb.InfoResult(owner=info.owner, fencing_token=info.fencing_token)
            result.lock_time.FromDatetime(info.lock_time)
            result.expire_time.FromDatetime(info.expire_time)
            return pb.Reply(info=result)
        if op == "read":
            data = await self.mode.call(self.client(m.client, m.url).read, m.resource)
            if data is None:
                return pb.Reply(
                    error=pb.Error(code="not_found", message="read: resource is free")
                )
            return pb.Reply(read=pb.ReadResult(data=data))
        if op == "reset":
            return await self.reset()
        return pb.Reply(error=pb.Error(code="unknown", message=f"unsupported op {op}"))

    async def acquire(self, m: Any) -> Any:
        kwargs: dict[str, Any] = {"owner": m.owner, "data": m.data}
        if m.HasField("ttl"):
            kwargs["ttl"] = m.ttl.ToTimedelta().total_seconds()
        if m.HasField("wait"):
            kwargs["wait"] = m.wait.ToTimedelta().total_seconds()
        client = self.client(m.client, m.url)

        def acquire() -> Any:
            return client.acquire(m.resource, **kwargs)

        if m.scoped:
            lock = await self.enter(m.lock, acquire)
        else:
            lock = await self.mode.call(acquire)
        return self.keep(m.lock, lock)

    async def hold(self, m: Any) -> Any:
        kwargs: dict[str, Any] = {"owner": m.owner, "data": m.data}
        if m.HasField("ttl"):
            kwargs["ttl"] = m.ttl.ToTimedelta().total_seconds()
        if m.HasField("wait"):
            kwargs["wait"] = m.wait.ToTimedelta().total_seconds()
        name = m.lock

        def on_waiting(holder: Any) -> None:
            waiting = pb.WaitingEvent(
                owner=holder.owner, fencing_token=holder.fencing_token
            )
            self.send(pb.AdapterResponse(event=pb.Event(lock=name, waiting=waiting)))

        kwargs["on_waiting"] = on_waiting
        client = self.client(m.client, m.url)
        # The SDK's Hold is a block (with / async with): held until the release leaves it.
        lock = await self.enter(m.lock, lambda: client.hold(m.resource, **kwargs))
        return self.keep(m.lock, lock)

    async def enter(self, name: str, acquire: Callable[[], Any]) -> Any:
        """Enters the lock's block in a task (or thread) of its own; returns the lock."""
        scope = Scope(self.mode)
        self.scopes[name] = scope
        if self.mode.is_async:
            asyncio.create_task(scope.run_async(acquire))
        else:
            threading.Thread(
                target=scope.run_sync, args=(acquire,), daemon=True
            ).start()
        return await asyncio.wrap_future(scope.granted)

    def keep(self, name: str, lock: Any) -> Any:
        """Names a granted lock and watches for its loss."""
        self.locks[name] = lock
        self.watchers.append((name, asyncio.create_task(self.watch(name, lock))))
        return pb.Reply(lock=pb.LockResult(fencing_token=lock.fencing_token))

    async def release(self, m: Any) -> Any:
        self.released.add(m.lock)
        scope = self.scopes.pop(m.lock, None)
        if scope is None:
            await self.mode.call(self.locks[m.lock].release)
            return pb.Reply()
        scope.raise_in_block = m.raise_in_block
        scope.leave.set()
        return pb.Reply(error=error_of(await asyncio.wrap_future(scope.left)))

    async def watch(self, name: str, lock: Any) -> None:
        await self.mode.wait_lost(lock)
        if name not in self.released:
            reason = error_of(getattr(lock, "lost_reason", None))
            self.send(
                pb.AdapterResponse(
                    event=pb.Event(lock=name, lost=pb.LostEvent(reason=reason))
                )
            )

    async def reset(self) -> Any:
        locks, clients, watchers, scopes = (
            self.locks,
            self.clients,
            self.watchers,
            self.scopes,
        )
        self.released.update(locks)
        self.locks, self.clients, self.watchers, self.scopes = {}, {}, [], {}
        self.sessions = {}  # closing the clients closes their sessions
        for watch in self.watches:
            watch.stop()
        self.watches = []
        for scope in scopes.values():
            scope.leave.set()
        hung = []
        for name, lock in locks.items():
            try:
                # Bounded, so that a release that never returns fails this case in
                # seconds, with a message, rather than the runner's minute.
                async with asyncio.timeout(RELEASE_BOUND):
                    await self.mode.call(lock.release)
            except distlock.DistlockError:
                pass  # a case may leave a lock lost or expired
            except TimeoutError:
                hung.append(name)
        for client in clients.values():
            await self.mode.call(client.close)
        await asyncio.gather(*(w for n, w in watchers if n not in hung))
        self.released.clear()
        if hung:
            # Cleanup, not a case's assertion (release-just-after-renewal tests that):
            # the lock's renewal ends on its own at its next Extend.
            print(
                f"reset: release() of {', '.join(hung)} did not return within {RELEASE_BOUND} s",
                file=sys.stderr,
                flush=True,
            )
        return pb.Reply()

    async def run(self, line: str) -> None:
        req = pb.AdapterRequest()
        json_format.Parse(line, req)
        try:
            reply = await self.handle(req)
        except BaseException as err:  # noqa: BLE001 - any failure must still be answered
            reply = pb.Reply(error=error_of(err))
        reply.id = req.id
        self.send(pb.AdapterResponse(reply=reply))


class Watch:
    """One watch: the SDK's events, sent to the runner in order until stopped."""

    def __init__(self, adapter: Adapter, name: str) -> None:
        self.adapter = adapter
        self.name = name
        self.stopped = threading.Event()
        self.task: asyncio.Task[None] | None = None

    def start(self, client: Any, resource: str, prefix: bool) -> None:
        events = client.watch(resource, prefix=prefix)
        if self.adapter.mode.is_async:
            self.task = asyncio.create_task(self.follow_async(events))
        else:
            threading.Thread(
                target=self.follow_sync, args=(events,), daemon=True
            ).start()

    def follow_sync(self, events: Any) -> None:
        try:
            for ev in events:
                if self.stopped.is_set():
                    events.close()
                    return
                self.send(ev, None)
        except BaseException as err:  # noqa: BLE001 - how the watch ended is the event
            self.send(None, err)

    async def follow_async(self, events: Any) -> None:
        try:
            async for ev in events:
                self.send(ev, None)
        except asyncio.CancelledError:
            raise
        except BaseException as err:  # noqa: BLE001 - how the watch ended is the event
            self.send(None, err)

    def send(self, ev: Any, err: BaseException | None) -> None:
        if self.stopped.is_set():
            return  # reset: the runner no longer listens
        if ev is None:
            msg = pb.WatchEvent(kind="ended", error=error_of(err))
        else:
            msg = pb.WatchEvent(kind=ev.kind, resource=ev.resource)
            for field, info in (("holder", ev.holder), ("previous", ev.previous)):
                if info is not None:
                    getattr(msg, field).CopyFrom(
                        pb.WatchHolder(
                            owner=info.owner, fencing_token=info.fencing_token
                        )
                    )
        self.adapter.send(pb.AdapterResponse(event=pb.Event(lock=self.name, watch=msg)))

    def stop(self) -> None:
        """Stops sending; the async task ends now, the sync thread when its client closes."""
        self.stopped.set()
        if self.task is not None:
            self.task.cancel()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=["sync", "async"], required=True)
    args = parser.parse_args()
    loop = asyncio.get_running_loop()
    # Each waiting sync acquire and each lost watcher holds a worker thread.
    loop.set_default_executor(concurrent.futures.ThreadPoolExecutor(max_workers=256))
    adapter = Adapter(
        Mode(args.mode), "python" if args.mode == "sync" else "python-async"
    )
    reader = asyncio.StreamReader(limit=16 << 20)
    await loop.connect_read_pipe(
        lambda: asyncio.StreamReaderProtocol(reader), sys.stdin
    )
    tasks: set[asyncio.Task[None]] = set()
    while line := await reader.readline():
        if line.strip():
            task = asyncio.create_task(adapter.run(line.decode()))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
    await asyncio.gather(*tasks)


if __name__ == "__main__":
    asyncio.run(main())
