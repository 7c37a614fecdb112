"""Conformance adapter of the Python SDK (sdks/python), over its synchronous client.

It speaks the runner's line protocol (see conformance/protocol/protocol.go): one JSON
command per line on stdin, one JSON reply per command (same id) and asynchronous events
on stdout. Each command runs in its own thread, so a waiting acquire does not block the
others. Named clients are LockClientSync objects; named locks are LockSync objects whose
``lost`` event is watched by a thread that reports it unless the runner released the lock.

Run it with the repository's .venv (``make setup`` installs the SDK there).
"""

from __future__ import annotations

import base64
import json
import sys
import threading
from typing import Any

import distlock

_ERRORS: list[tuple[type[BaseException], str]] = [
    (distlock.NotAcquiredError, "aborted"),
    (distlock.NotHeldError, "not_found"),
    (distlock.UnavailableError, "unavailable"),
    (distlock.InvalidArgumentError, "invalid_argument"),
    (distlock.UnauthenticatedError, "unauthenticated"),
    (distlock.PermissionDeniedError, "permission_denied"),
]


class Adapter:
    """The adapter's state: clients and locks by name."""

    def __init__(self) -> None:
        self._out = threading.Lock()
        self._mu = threading.Lock()
        self._clients: dict[str, distlock.LockClientSync] = {}
        self._locks: dict[str, distlock.LockSync] = {}
        self._released: set[str] = set()
        self._watchers: list[threading.Thread] = []

    def send(self, obj: dict[str, Any]) -> None:
        line = json.dumps(obj, separators=(",", ":"))
        with self._out:
            sys.stdout.write(line + "\n")
            sys.stdout.flush()

    def client(self, name: str, url: str) -> distlock.LockClientSync:
        with self._mu:
            if name not in self._clients:
                self._clients[name] = distlock.LockClientSync(url)
            return self._clients[name]

    def handle(self, cmd: dict[str, Any]) -> dict[str, Any]:
        op = cmd["op"]
        if op == "hello":
            return {"ok": True, "target": "python", "caps": ["renewal"]}
        if op == "acquire":
            return self.acquire(cmd)
        if op in ("extend", "release"):
            with self._mu:
                lock = self._locks.get(cmd["lock"])
            if lock is None:
                return {
                    "ok": False,
                    "code": "unknown",
                    "message": "adapter: no lock " + cmd["lock"],
                }
            if op == "release":
                with self._mu:
                    self._released.add(cmd["lock"])
                lock.release()
                return {"ok": True}
            ttl_ms = cmd.get("ttl_ms")
            lock.extend(None if ttl_ms is None else ttl_ms / 1000)
            return {"ok": True, "fencing": str(lock.fencing_token)}
        if op == "info":
            info = self.client(cmd["client"], cmd["url"]).info(cmd.get("resource", ""))
            return {
                "ok": True,
                "owner": info.owner,
                "fencing": str(info.fencing_token),
                "lock_time_ms": int(info.lock_time.timestamp() * 1000),
                "expire_time_ms": int(info.expire_time.timestamp() * 1000),
            }
        if op == "read":
            data = self.client(cmd["client"], cmd["url"]).read(cmd.get("resource", ""))
            if data is None:
                return {
                    "ok": False,
                    "code": "not_found",
                    "message": "read: resource is free",
                }
            return {"ok": True, "data": base64.b64encode(data).decode()}
        if op == "reset":
            return self.reset()
        return {"ok": False, "code": "unknown", "message": "unsupported op " + op}

    def acquire(self, cmd: dict[str, Any]) -> dict[str, Any]:
        kwargs: dict[str, Any] = {
            "owner": cmd.get("owner", ""),
            "data": base64.b64decode(cmd.get("data", "")),
        }
        if cmd.get("ttl_ms") is not None:
            kwargs["ttl"] = cmd["ttl_ms"] / 1000
        # The protocol's absent wait is one attempt; the SDK's default waits until granted.
        kwargs["wait"] = (cmd.get("wait_ms") or 0) / 1000
        client = self.client(cmd["client"], cmd["url"])
        lock = client.acquire(cmd.get("resource", ""), **kwargs)
        name = cmd["lock"]
        with self._mu:
            self._locks[name] = lock
        watcher = threading.Thread(target=self._watch, args=(name, lock), daemon=True)
        watcher.start()
        with self._mu:
            self._watchers.append(watcher)
        return {"ok": True, "fencing": str(lock.fencing_token)}

    def _watch(self, name: str, lock: distlock.LockSync) -> None:
        lock.lost.wait()
        with self._mu:
            released = name in self._released
        if not released:
            self.send({"event": "lost", "lock": name})

    def reset(self) -> dict[str, Any]:
        with self._mu:
            locks, clients, watchers = self._locks, self._clients, self._watchers
            self._released.update(locks)
            self._locks, self._clients, self._watchers = {}, {}, []
        for lock in locks.values():
            try:
                lock.release()
            except distlock.DistlockError:
                pass  # a case may leave a lock lost or expired
        for client in clients.values():
            client.close()
        for w in watchers:
            w.join()
        with self._mu:
            self._released.clear()
        return {"ok": True}

    def run(self, cmd: dict[str, Any]) -> None:
        try:
            reply = self.handle(cmd)
        except distlock.DistlockError as err:
            reply = {"ok": False, "code": code_of(err), "message": str(err)}
        except Exception as err:  # noqa: BLE001 - any failure must still be answered
            reply = {"ok": False, "code": "unknown", "message": repr(err)}
        reply["id"] = cmd["id"]
        self.send(reply)


def code_of(err: distlock.DistlockError) -> str:
    for cls, code in _ERRORS:
        if isinstance(err, cls):
            return code
    return err.code or "unknown"


def main() -> None:
    adapter = Adapter()
    threads = []
    for line in sys.stdin:
        if not line.strip():
            continue
        t = threading.Thread(target=adapter.run, args=(json.loads(line),), daemon=True)
        t.start()
        threads.append(t)
    for t in threads:
        t.join()


if __name__ == "__main__":
    main()
