"""The operator's calls of :class:`LockClient`: ``list``, ``locks``, ``force_release``."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

from connectrpc.errors import ConnectError

from . import _admin
from ._lease import millis

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Awaitable, Callable

    from ._calls_async import CallsAsync
    from ._gen.distlock.v1 import lock_pb2 as pb

__all__ = ["AdminAsync"]

_Res = TypeVar("_Res")


class AdminAsync:
    """The List and ForceRelease calls, mixed into :class:`LockClient`.

    They behave as :class:`LockClientSync`'s ``list``, ``locks`` and ``force_release``
    do, arguments, results and errors included.
    """

    _calls: CallsAsync

    async def list(
        self, prefix: str = "", *, page_size: int | None = None, page_token: str = ""
    ) -> _admin.ListPage:
        """Returns one page of the locks held under ``prefix``; see the sync twin."""
        return await self._list(_admin.list_request(prefix, page_size, page_token))

    def locks(
        self, prefix: str = "", *, page_size: int = _admin.MAX_PAGE_SIZE
    ) -> AsyncIterator[_admin.ListedLock]:
        """Yields every lock held under ``prefix``, page after page, to ``async for``.

        The arguments are checked here, before any call; see the sync twin.
        """
        return self._locks(_admin.list_request(prefix, page_size, ""))

    async def _locks(self, request: pb.ListRequest) -> AsyncIterator[_admin.ListedLock]:
        while True:
            page = await self._list(request)
            for lock in page.locks:
                yield lock
            if not page.next_page_token:
                return
            request.page_token = page.next_page_token

    async def _list(self, request: pb.ListRequest) -> _admin.ListPage:
        return _admin.page_from(await self._call(self._calls.rpc.list, request, "list locks"))

    async def force_release(self, resource: str, *, reason: str) -> _admin.ForceReleased:
        """Breaks the lock on ``resource`` whatever its holder's token; see the sync twin."""
        request = _admin.force_release_request(resource, reason)
        resp = await self._call(self._calls.rpc.force_release, request, "force-release locks")
        return _admin.released_from(resp)

    async def _call(self, rpc: Callable[..., Awaitable[_Res]], request: object, what: str) -> _Res:
        calls = self._calls
        try:
            return await rpc(
                request,
                headers=await calls.credentials.async_headers(),
                timeout_ms=millis(calls.timeout),
            )
        except ConnectError as err:
            raise _admin.admin_error(err, calls.url, what) from err
