"""A lock held by the sync client for exactly as long as its Hold stream: :class:`HeldSync`.

A thread of the SDK reads the stream; the holder ends it by closing the HTTP response
from its own thread, which pyqwest allows: the reader's blocked read ends at once
(``Response body read cancelled``) and the service, seeing the stream end, releases.
"""

from __future__ import annotations

import contextlib
import threading
from typing import TYPE_CHECKING

from ._hold_state import HoldState
from ._release_on_exit import ReleaseOnExit

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from pyqwest import SyncClient, SyncResponse

    from ._gen.distlock.v1 import lock_pb2 as pb
    from ._stream_wire import Holder

__all__ = ["CapturingClient", "HeldSync"]


class CapturingClient:
    """A pyqwest ``SyncClient`` whose streamed responses go to the reading thread's hold.

    Each Hold is read by a thread of its own, so a thread-local slot says which hold a
    response belongs to.
    """

    def __init__(self, client: SyncClient) -> None:
        """Sends through ``client``."""
        self._client = client
        self._slot = threading.local()

    def __getattr__(self, name: str) -> object:
        return getattr(self._client, name)

    @contextlib.contextmanager
    def stream(self, *args: object, **kwargs: object) -> Iterator[SyncResponse]:
        """Opens a streamed request (see ``SyncClient.stream``) and hands its response on."""
        with self._client.stream(*args, **kwargs) as resp:  # type: ignore[arg-type]
            held: HeldSync | None = getattr(self._slot, "held", None)
            if held is not None:
                held.attach(resp)
            yield resp

    def reading_for(self, held: HeldSync | None) -> None:
        """Makes this thread's next streamed responses ``held``'s (None: nobody's)."""
        self._slot.held = held


class HeldSync(HoldState, ReleaseOnExit):
    """A lock that lives exactly as long as its Hold stream (from :meth:`LockClientSync.hold`).

    The service renews it, so this process runs no timer, and releases it as soon as the
    stream ends: when the ``with`` block is left, :meth:`release` is called, the client
    is closed or the process dies. A stream that brings no word of the lock for its
    validity (a dead connection) is ended and the lock reported lost.

    Attributes:
        lost: Set when the lock ends: lost, or released.
    """

    def __init__(
        self,
        request: pb.HoldRequest,
        forget: Callable[[HeldSync], None],
        release_lease: Callable[[str, str], None] | None = None,
        on_waiting: Callable[[Holder], None] | None = None,
    ) -> None:
        """Creates a hold that is not granted yet; :meth:`follow` reads its stream.

        ``release_lease(resource, lease_token)``, if given, releases the lease with one
        call before the stream ends; ``on_waiting`` gets each holder it waits for, on the
        stream's reading thread.
        """
        super().__init__(request, on_waiting)
        self._silence: threading.Timer | None = None
        self.lost = threading.Event()
        self._forget = forget
        self._release_lease = release_lease
        self._decided = threading.Event()  # granted, or failed before the grant
        self._resp: SyncResponse | None = None
        self._reader: threading.Thread | None = None

    def follow(self, stream: Iterator[pb.HoldResponse], capture: CapturingClient) -> None:
        """Reads the stream on a thread of its own; returns once granted.

        Raises:
            DistlockError: The stream ended before the grant (its code says why:
                ``aborted`` when the wait ran out).
        """

        def read() -> None:
            capture.reading_for(self)
            try:
                self._read(stream)
            finally:
                capture.reading_for(None)

        self._reader = threading.Thread(target=read, name="distlock-hold", daemon=True)
        self._reader.start()
        try:
            self._decided.wait()
        except BaseException:  # Ctrl-C while waiting: end the stream, so nothing is granted
            self._interrupted()
            self._close_stream()
            raise
        if self._error is not None:
            raise self._error

    def release(self) -> None:
        """Releases the lease with one call, then ends the stream and waits for its reader.

        The call makes the lock free when this returns, as in the Go and TypeScript SDKs;
        if it fails, the service still releases the lock when it sees the stream end, a
        moment later.

        Calling it again does nothing more.

        Raises:
            NotHeldError: The lock was lost before; it carries :attr:`lost_reason`.
        """
        first = self._mark_released()
        if first is None and self._release_lease is not None and self.lease_token:
            self._release_lease(self.resource, self.lease_token)
        self._close_stream()
        if self._reader is not None:
            self._reader.join()
        self._forget(self)
        self._check_released(first)

    def attach(self, resp: SyncResponse) -> None:
        """Keeps the stream's response, to close it; at once if the hold already ended."""
        with self._mu:
            self._resp = resp
            ended = self._reason is not None or self._error is not None
        if ended:
            resp.close()

    def _read(self, stream: Iterator[pb.HoldResponse]) -> None:
        err: Exception | None = None
        try:
            for event in stream:
                kind = self._apply(event)
                if kind in ("granted", "renewed"):
                    self._expect_word()
                if kind == "granted":
                    self._decided.set()
        except Exception as e:
            err = e
        finally:
            with self._mu:
                silence, self._silence = self._silence, None
            if silence is not None:
                silence.cancel()
        self._finish(err)
        self._decided.set()

    def _expect_word(self) -> None:
        """(Re)starts the wait for the next word of the lock: at most its validity."""
        timer = threading.Timer(self._validity, self._silent_stream)
        timer.daemon = True
        with self._mu:
            old, self._silence = self._silence, timer
        if old is not None:
            old.cancel()
        timer.start()

    def _silent_stream(self) -> None:
        self._silent()
        self._close_stream()  # ends the stream: the service releases, if it hears

    def _signal_lost(self) -> None:
        self.lost.set()

    def _close_stream(self) -> None:
        with self._mu:
            resp = self._resp
        if resp is not None:
            resp.close()
