"""The operator's calls of :class:`LockClientSync`: ``list``, ``locks``, ``force_release``."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

from connectrpc.errors import ConnectError

from . import _admin
from ._lease import millis

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from ._calls_sync import CallsSync
    from ._gen.distlock.v1 import lock_pb2 as pb

__all__ = ["AdminSync"]

_Res = TypeVar("_Res")


class AdminSync:
    """The List and ForceRelease calls, mixed into :class:`LockClientSync`."""

    _calls: CallsSync

    def list(
        self, prefix: str = "", *, page_size: int | None = None, page_token: str = ""
    ) -> _admin.ListPage:
        """Returns one page of the locks held on resources whose name starts with ``prefix``.

        Each page is a snapshot of its own, and may hold fewer locks than asked for, even
        none, while its ``next_page_token`` is set. :meth:`locks` goes through every page.
        The caller needs the service's ``read`` verb on the prefix.

        Args:
            prefix: Only resources whose name starts with it; ``""`` lists every resource.
            page_size: The most locks of the page, 1 to 1000; ``None`` lets the service
                pick (100).
            page_token: The ``next_page_token`` of the previous page with the same
                prefix; ``""`` for the first page.

        Raises:
            InvalidArgumentError: An argument is out of bounds (raised before any call), or
                the service refused the page token.
            DistlockError: The call failed; code ``unimplemented`` when the service cannot
                list locks.
        """
        return self._list(_admin.list_request(prefix, page_size, page_token))

    def locks(
        self, prefix: str = "", *, page_size: int = _admin.MAX_PAGE_SIZE
    ) -> Iterator[_admin.ListedLock]:
        """Yields every lock held under ``prefix``, page after page of ``page_size``.

        Each page is a snapshot of its own: a lock taken or released meanwhile may be
        missed or repeated. Errors are those of
        :meth:`list`; the arguments are checked here, before any call.
        """
        return self._locks(_admin.list_request(prefix, page_size, ""))

    def _locks(self, request: pb.ListRequest) -> Iterator[_admin.ListedLock]:
        while True:
            page = self._list(request)
            yield from page.locks
            if not page.next_page_token:
                return
            request.page_token = page.next_page_token

    def _list(self, request: pb.ListRequest) -> _admin.ListPage:
        return _admin.page_from(self._call(self._calls.rpc.list, request, "list locks"))

    def force_release(self, resource: str, *, reason: str) -> _admin.ForceReleased:
        """Breaks the lock on ``resource`` whatever its holder's lease token, in one call.

        The service's ``admin`` verb is needed; the service audits the call with
        ``reason``. The old holder's next renewal hears ``not_found``: its lock is lost,
        with a :class:`NotHeldError` as ``lost_reason``. Every later grant's fencing token
        exceeds the result's ``advanced_fencing_token``.

        Args:
            resource: The resource whose lock to break.
            reason: Why, for the audit log: 1 to 1024 bytes of UTF-8.

        Raises:
            InvalidArgumentError: The resource name or the reason is invalid (raised
                before any call).
            NotHeldError: Nobody holds the resource.
            PermissionDeniedError: The caller lacks the ``admin`` verb on the resource.
            DistlockError: The call failed; code ``unimplemented`` when the service cannot
                force-release locks.
        """
        request = _admin.force_release_request(resource, reason)
        resp = self._call(self._calls.rpc.force_release, request, "force-release locks")
        return _admin.released_from(resp)

    def _call(self, rpc: Callable[..., _Res], request: object, what: str) -> _Res:
        calls = self._calls
        try:
            return rpc(request, headers=calls.headers, timeout_ms=millis(calls.timeout))
        except ConnectError as err:
            raise _admin.admin_error(err, calls.url, what) from err
