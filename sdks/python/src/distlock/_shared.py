"""Checks of client construction arguments, shared by both clients."""

from __future__ import annotations

from ._errors import InvalidArgumentError
from ._limits import Seconds, to_seconds

__all__ = ["DEFAULT_TIMEOUT", "check_base_url", "check_timeout"]

DEFAULT_TIMEOUT = 10.0
"""How long one Extend, Release, Info or Read call may take by default, in seconds."""


def check_base_url(base_url: object) -> str:
    """Returns the service URL without a trailing slash.

    Raises:
        InvalidArgumentError: It is not an ``http://`` or ``https://`` URL.
    """
    if not isinstance(base_url, str) or not base_url.startswith(("http://", "https://")):
        raise InvalidArgumentError(
            f"distlock: service URL {base_url!r} must start with http:// or https://"
        )
    return base_url.rstrip("/")


def check_timeout(timeout: Seconds) -> float:
    """Returns a per-call timeout in seconds.

    Raises:
        InvalidArgumentError: It is not a positive duration.
    """
    seconds = to_seconds(timeout, "timeout")
    if seconds <= 0:
        raise InvalidArgumentError(f"distlock: timeout {seconds:g}s is not positive")
    return seconds
