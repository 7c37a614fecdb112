"""Leaving a ``with`` block releases the lock: shared by the four lock types.

Leaving after the lock was lost raises the release's NotHeldError (decision 2 of the
client policy); when the block itself raised, its exception wins and the failed release
is only noted on it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Self

from ._errors import DistlockError

if TYPE_CHECKING:
    from types import TracebackType

__all__ = ["AsyncReleaseOnExit", "ReleaseOnExit"]


class ReleaseOnExit:
    """A lock whose ``with`` block ends with :meth:`release`."""

    resource: str

    def release(self) -> None:
        """Releases the lock; the subclass's."""
        raise NotImplementedError

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
            _note(err, exc, self.resource)


class AsyncReleaseOnExit:
    """A lock whose ``async with`` block ends with :meth:`release`."""

    resource: str

    async def release(self) -> None:
        """Releases the lock; the subclass's."""
        raise NotImplementedError

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            await self.release()
        except DistlockError as err:
            _note(err, exc, self.resource)


def _note(err: DistlockError, exc: BaseException | None, resource: str) -> None:
    """Raises ``err`` unless the block raised ``exc``, which then carries it as a note."""
    if exc is None:
        raise err
    exc.add_note(f"releasing the lock on {resource!r} also failed: {err}")
