"""A loopback HTTP proxy in front of the test service that counts the requests it sees.

The SDK's requests go through it to ``distlock serve``, so a test can count how many HTTP
requests N calls took (per RPC path). Its ``batch`` mode says what it does with Batch:

- ``"forward"``: passes it on, like every other request (a service that serves Batch);
- ``"fake"``: answers it itself by making each call a unary RPC to the service, in
  parallel, streaming each result as it completes and releasing a grant it could not
  send: the service's Batch contract (proto/distlock/v1/lock.proto), for a service
  built before its Batch handler;
- ``"unimplemented"``: answers ``unimplemented``, as a service without Batch does.

Connect over HTTP/1.1 only (what the SDK's HTTP clients speak to an ``http://`` URL).
"""

from __future__ import annotations

import collections
import contextlib
import gzip
import http.client
import json
import select
import socket
import struct
import threading
from concurrent.futures import ThreadPoolExecutor, as_completed
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Literal
from urllib.parse import urlsplit

from connectrpc.errors import ConnectError

from distlock._gen.distlock.v1 import lock_pb2 as pb
from distlock._gen.distlock.v1.lock_connect import LockServiceClientSync

if TYPE_CHECKING:
    from collections.abc import Iterator

BatchMode = Literal["forward", "fake", "unimplemented"]
BATCH_PATH = "/distlock.v1.LockService/Batch"
END_STREAM = 0x02
FAKE_WORKERS = 32
"""Calls of a faked Batch run at once, at most (the fake's threads, not a service rule)."""


class CountingProxy:
    """The proxy; ``url`` is its base URL, ``counts`` the requests seen per path."""

    def __init__(self, upstream: str, batch: BatchMode) -> None:
        self.upstream = upstream
        self.batch: BatchMode = batch
        self.counts: collections.Counter[str] = collections.Counter()
        self.batch_sizes: list[int] = []
        """The number of calls of each Batch request seen."""
        self._mu = threading.Lock()
        self._seen = threading.Condition(self._mu)
        self._conns: set[socket.socket] = set()
        handler = type("Handler", (_Handler,), {"proxy": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        host, port = self._server.server_address[:2]
        self.url = f"http://{host!s}:{port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def count(self, path: str, body: bytes | None) -> None:
        with self._seen:
            self.counts[path] += 1
            if path == BATCH_PATH and body:
                self.batch_sizes.append(len(batch_request(body).calls))
            self._seen.notify_all()

    def wait_for_batches(self, n: int, timeout: float) -> list[int]:
        """Waits until ``n`` Batch requests have been seen; returns their sizes."""
        with self._seen:
            self._seen.wait_for(lambda: len(self.batch_sizes) >= n, timeout)
            return list(self.batch_sizes)

    def wait_for(self, path: str, n: int, timeout: float) -> int:
        """Waits until ``n`` requests to ``path`` have been seen; returns how many were."""
        with self._seen:
            self._seen.wait_for(lambda: self.counts[path] >= n, timeout)
            return self.counts[path]

    def connected(self, conn: socket.socket, *, open_: bool) -> None:
        with self._mu:
            if open_:
                self._conns.add(conn)
            else:
                self._conns.discard(conn)

    def requests(self) -> int:
        """All requests seen so far."""
        with self._mu:
            return sum(self.counts.values())

    def reset(self) -> None:
        with self._mu:
            self.counts.clear()
            self.batch_sizes.clear()

    def close(self) -> None:
        """Stops listening and cuts every connection: the service is unreachable now."""
        self._server.shutdown()
        self._server.server_close()
        with self._mu:
            conns = list(self._conns)
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)


@contextlib.contextmanager
def counting_proxy(upstream: str, batch: BatchMode) -> Iterator[CountingProxy]:
    """Runs a :class:`CountingProxy` in front of ``upstream`` while the block runs."""
    proxy = CountingProxy(upstream, batch)
    try:
        yield proxy
    finally:
        proxy.close()


def batch_request(body: bytes) -> pb.BatchRequest:
    """Decodes a Connect streaming request body of one (maybe gzipped) BatchRequest."""
    data = gzip.decompress(body[5:]) if body[0] & 1 else body[5:]
    return pb.BatchRequest.FromString(data)


def serves_batch(url: str) -> bool:
    """Reports whether the service at ``url`` serves Batch (else it answers unimplemented)."""
    with LockServiceClientSync(url) as raw:
        try:
            for _ in raw.batch(pb.BatchRequest()):
                pass
        except ConnectError as err:
            return err.code.value != "unimplemented"
    return True


class _Handler(BaseHTTPRequestHandler):
    proxy: CountingProxy
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        pass

    def setup(self) -> None:
        super().setup()
        self.proxy.connected(self.connection, open_=True)

    def finish(self) -> None:
        self.proxy.connected(self.connection, open_=False)
        super().finish()

    def do_POST(self) -> None:
        body = self._body()
        self.proxy.count(self.path, body)
        if self.path == BATCH_PATH and self.proxy.batch != "forward":
            self._batch(body)
            return
        self._forward("POST", body)

    def _body(self) -> bytes:
        if self.headers.get("transfer-encoding", "").lower() != "chunked":
            return self.rfile.read(int(self.headers.get("content-length") or 0))
        body = b""
        while size := int(self.rfile.readline().split(b";")[0], 16):
            body += self.rfile.read(size)
            self.rfile.readline()
        self.rfile.readline()  # the blank line after the last chunk
        return body

    def do_GET(self) -> None:
        self.proxy.count(self.path, None)
        self._forward("GET", None)

    def _forward(self, method: str, body: bytes | None) -> None:
        up = urlsplit(self.proxy.upstream)
        conn = http.client.HTTPConnection(up.hostname or "", up.port)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP}
        try:
            conn.request(method, self.path, body=body, headers=headers)
            # A client that ends a stream ends the upstream one too, at once, as a direct
            # connection would: the service then releases grants it could not send.
            threading.Thread(target=self._cut_when_gone, args=(conn,), daemon=True).start()
            resp = conn.getresponse()
            self.send_response(resp.status)
            for k, v in resp.getheaders():
                if k.lower() not in _HOP and k.lower() != "content-length":
                    self.send_header(k, v)
            self.send_header("transfer-encoding", "chunked")
            self.end_headers()
            while chunk := resp.read1(65536):
                self._chunk(chunk)
            self._chunk(b"")
        except OSError:  # the client ended the stream: so does the upstream request
            self.close_connection = True
        finally:
            conn.close()

    def _chunk(self, data: bytes) -> None:
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()

    def _cut_when_gone(self, upstream: http.client.HTTPConnection) -> None:
        with contextlib.suppress(OSError, ValueError):
            select.select([self.connection], [], [])
            if self._peer_closed() and upstream.sock is not None:
                upstream.sock.shutdown(socket.SHUT_RDWR)

    def _peer_closed(self) -> bool:
        """Reports whether the client has ended the stream (its side of the socket closed)."""
        readable, _, _ = select.select([self.connection], [], [], 0)
        if not readable:
            return False
        try:
            return bool(self.connection.recv(1, socket.MSG_PEEK) == b"")
        except OSError:
            return True

    def _start_stream(self) -> None:
        self.send_response(200)
        self.send_header("content-type", "application/connect+proto")
        self.send_header("transfer-encoding", "chunked")
        self.end_headers()

    def _envelope(self, flags: int, data: bytes) -> None:
        self._chunk(struct.pack(">BI", flags, len(data)) + data)

    def _end(self, error: dict[str, str] | None = None) -> None:
        self._envelope(END_STREAM, json.dumps({"error": error} if error else {}).encode())
        self._chunk(b"")

    def _batch(self, body: bytes) -> None:
        self._start_stream()
        if self.proxy.batch == "unimplemented":
            self._end({"code": "unimplemented", "message": "no Batch here"})
            return
        request = batch_request(body)
        auth = {k: v for k, v in self.headers.items() if k.lower() == "authorization"}
        broken = False
        with (
            LockServiceClientSync(self.proxy.upstream) as raw,
            ThreadPoolExecutor(min(FAKE_WORKERS, max(1, len(request.calls)))) as pool,
        ):
            futures = {
                pool.submit(_unary, raw, call, auth): i for i, call in enumerate(request.calls)
            }
            for future in as_completed(futures):
                result = future.result()
                result.index = futures[future]
                broken = broken or self._peer_closed()
                if broken:
                    _release_unsent(raw, result, auth)
                    continue
                try:
                    msg = pb.BatchResponse(results=[result]).SerializeToString()
                    self._envelope(0, msg)
                except OSError:  # the client ended the stream: release what it missed
                    broken = True
                    _release_unsent(raw, result, auth)
        if not broken:
            with contextlib.suppress(OSError):
                self._end()


_HOP = {"connection", "keep-alive", "transfer-encoding", "host", "te", "upgrade"}


def _unary(
    raw: LockServiceClientSync, call: pb.BatchCall, headers: dict[str, str]
) -> pb.BatchResult:
    """Runs one call of a batch as its unary RPC; returns its result (index unset)."""
    kind = call.WhichOneof("call")
    try:
        if kind == "acquire":
            wait_ms = call.acquire.wait.ToMilliseconds()
            resp = raw.acquire(call.acquire, headers=headers, timeout_ms=wait_ms + 10_000)
            return pb.BatchResult(acquire=resp)
        if kind == "extend":
            return pb.BatchResult(extend=raw.extend(call.extend, headers=headers))
        return pb.BatchResult(release=raw.release(call.release, headers=headers))
    except ConnectError as err:
        return pb.BatchResult(error=pb.BatchError(code=err.code.value, message=err.message))


def _release_unsent(
    raw: LockServiceClientSync, result: pb.BatchResult, headers: dict[str, str]
) -> None:
    if result.WhichOneof("result") == "acquire":
        with contextlib.suppress(ConnectError):
            raw.release(
                pb.ReleaseRequest(
                    resource=result.acquire.resource, lease_token=result.acquire.lease_token
                ),
                headers=headers,
            )
