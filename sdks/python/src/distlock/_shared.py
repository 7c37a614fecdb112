"""Checks of client construction arguments, shared by both clients."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypedDict
from urllib.parse import urlsplit

from ._errors import InvalidArgumentError
from ._gen.distlock.v1 import policy
from ._limits import Seconds, to_seconds

if TYPE_CHECKING:
    from connectrpc.compression import Compression

__all__ = ["DEFAULT_TIMEOUT", "UNCOMPRESSED", "Uncompressed", "check_base_url", "check_timeout"]

DEFAULT_TIMEOUT = policy.CALL_TIMEOUT_S
"""How long one call may take beyond the wait it asks for, by default, in seconds."""


class Uncompressed(TypedDict):
    """Connect client options that turn compression off both ways."""

    send_compression: Compression | None
    accept_compression: list[Compression]


UNCOMPRESSED: Uncompressed = {"send_compression": None, "accept_compression": []}
"""The lock calls' Connect options: no gzip either way. Their messages are tens of bytes
(a batch, a few hundred per call, mostly random lease tokens): gzip costs CPU at both
ends, more than the HTTP call itself on loopback, and saves next to nothing."""


def check_base_url(base_url: object) -> str:
    """Returns the service URL without a trailing slash.

    Raises:
        InvalidArgumentError: It has no scheme, a scheme other than http or https, or no
            host; the message names the URL.
    """
    if isinstance(base_url, str) and _http_with_host(base_url):
        return base_url.rstrip("/")
    raise InvalidArgumentError(
        f"distlock: service URL {base_url!r} is not valid: use http:// or https://"
        " followed by a host (e.g. http://127.0.0.1:8080)"
    )


def _http_with_host(url: str) -> bool:
    try:
        parts = urlsplit(url)
        return parts.scheme in ("http", "https") and bool(parts.hostname)
    except ValueError:  # e.g. an unclosed IPv6 bracket
        return False


def check_timeout(timeout: Seconds) -> float:
    """Returns a per-call timeout in seconds.

    Raises:
        InvalidArgumentError: It is not a positive duration.
    """
    seconds = to_seconds(timeout, "timeout")
    if seconds <= 0:
        raise InvalidArgumentError(f"distlock: timeout {seconds:g}s is not positive")
    return seconds
