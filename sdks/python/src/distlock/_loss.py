"""Why a lock was lost, as both lock types report it (``lost_reason``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._errors import DistlockError, NotHeldError, from_connect_error
from ._gen.distlock.v1 import policy

if TYPE_CHECKING:
    from connectrpc.errors import ConnectError

__all__ = ["lost_error", "renewal_failure"]


def renewal_failure(err: ConnectError | None, resource: str) -> DistlockError:
    """Returns the reason a lock is lost after renewal met ``err``.

    A terminal code (the lease is gone or can never be renewed) gives a
    :class:`NotHeldError`; any other error is the reason itself, its code kept, for renewal
    retried it until the validity ran out. With no error at all the validity ran out before
    a renewal could be sent (the process was paused).
    """
    if err is None:
        return NotHeldError(f"distlock: the lease on {resource!r} expired before it was renewed")
    reason = from_connect_error(err)
    if not policy.ends_renewal(err.code.value) or isinstance(reason, NotHeldError):
        return reason
    held = NotHeldError(f"distlock: the lock on {resource!r} cannot be renewed: {reason}")
    held.__cause__ = reason
    return held


def lost_error(resource: str, reason: DistlockError | None) -> NotHeldError:
    """Returns the error that using (or leaving) a lock no longer held raises.

    It is the loss reason itself when that is a :class:`NotHeldError`; otherwise a new one
    whose ``__cause__`` is the reason. A lock released while held has no reason.
    """
    if isinstance(reason, NotHeldError):
        return reason
    if reason is None:
        return NotHeldError(f"distlock: the lock on {resource!r} was released")
    held = NotHeldError(f"distlock: the lock on {resource!r} was lost: {reason}")
    held.__cause__ = reason
    return held
