"""The calls a sync client and its locks make, with their timeouts and retries.

The client and its locks both use this layer and neither imports the other's module:
a lock reaches the service through :class:`CallsSync`, not through its client.
"""

from __future__ import annotations

import contextlib
import functools
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from connectrpc.errors import ConnectError

from ._clock import SYSTEM_CLOCK, Clock
from ._gen.distlock.v1 import lock_pb2 as pb
from ._lease import Lease, millis
from ._retry import retry_sync
from ._wire import extend_request, extended, release_request

if TYPE_CHECKING:
    from collections.abc import Mapping

    from ._acquire import Attempt
    from ._coalesce_sync import CoalescerSync
    from ._gen.distlock.v1.lock_connect import LockServiceClientSync
    from ._token import Credentials

__all__ = ["CallsSync"]


@dataclass
class CallsSync:
    """One client's connection to the service: its stub, headers, call timeout and clock."""

    rpc: LockServiceClientSync
    credentials: Credentials
    timeout: float
    """How long one call may take beyond the wait it asks for, in seconds."""
    url: str
    coalescer: CoalescerSync
    """Sends Acquire, Extend and Release, sharing requests between concurrent calls."""
    clock: Clock = SYSTEM_CLOCK

    @property
    def headers(self) -> Mapping[str, str]:
        """The headers of one call, with a token the provider returns now."""
        return self.credentials.sync_headers()

    def acquire(self, attempt: Attempt) -> pb.AcquireResponse:
        """Sends one Acquire call."""
        resp = self.coalescer.call(attempt.request, attempt.timeout_ms)
        assert isinstance(resp, pb.AcquireResponse)  # noqa: S101 -- the answer to its request
        return resp

    def extend(self, lease: Lease, ttl: float, call_timeout: float) -> Lease:
        """Extends ``lease`` to ``ttl`` in one call; the validity counts from its sending."""
        sent = time.monotonic()
        resp = self.coalescer.call(extend_request(lease, ttl), millis(call_timeout))
        assert isinstance(resp, pb.ExtendResponse)  # noqa: S101 -- the answer to its request
        return extended(lease, resp, sent=sent, ttl=ttl)

    def release(self, lease: Lease) -> None:
        """Deletes ``lease`` in one call."""
        self.coalescer.call(release_request(lease), millis(self.timeout))

    def extend_retrying(self, lease: Lease, ttl: float) -> Lease:
        """Extends ``lease`` to ``ttl``, retrying transient codes until its validity ends."""
        return retry_sync(
            functools.partial(self.extend, lease, ttl, self.timeout),
            left=lease.remaining(),
            now=self.clock.now,
            sleep=self.pause,
        )

    def release_retrying(self, lease: Lease) -> None:
        """Releases ``lease``, retrying transient codes until its validity ends.

        After the validity the lease has expired anyway.
        """
        retry_sync(
            functools.partial(self.release, lease),
            left=lease.remaining(),
            now=self.clock.now,
            sleep=self.pause,
        )

    def confirm(self, lease: Lease) -> Lease:
        """Returns a late grant's lease with its validity measured from an Extend sent now.

        If the Extend fails (or is interrupted) the lease is released before the error
        propagates, so an unconfirmed grant does not keep the resource from others.
        """
        try:
            return self.extend(lease, lease.ttl, self.timeout)
        except BaseException:
            with contextlib.suppress(ConnectError):  # best effort: it expires after its TTL
                self.release(lease)
            raise

    def pause(self, seconds: float) -> bool:
        """Sleeps on the clock; always goes on."""
        self.clock.sleep(seconds)
        return True
