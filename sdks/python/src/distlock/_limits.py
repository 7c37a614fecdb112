"""The limits every SDK and the service enforce, checked here before any call.

The numbers are the client policy's; the service checks them again, so a server
configured with narrower bounds still answers ``invalid_argument``.
"""

from __future__ import annotations

import math
from datetime import timedelta
from typing import TypeAlias

from ._errors import InvalidArgumentError
from ._gen.distlock.v1 import policy

__all__ = [
    "DEFAULT_TTL",
    "MAX_DATA_LEN",
    "MAX_OWNER_LEN",
    "MAX_RESOURCE_LEN",
    "MAX_TTL",
    "MIN_TTL",
    "Seconds",
    "check_data",
    "check_owner",
    "check_resource",
    "check_text",
    "check_ttl",
    "check_wait",
    "to_seconds",
]

Seconds: TypeAlias = float | timedelta
"""A duration: a number of seconds or a :class:`datetime.timedelta`."""

# The public names of the policy's limits (seconds and bytes), kept for the SDK's users.
MIN_TTL = policy.MIN_TTL_S
"""The shortest TTL, in seconds."""
MAX_TTL = policy.MAX_TTL_S
"""The longest TTL, in seconds."""
DEFAULT_TTL = policy.DEFAULT_TTL_S
"""The TTL when none is given, in seconds."""
MAX_RESOURCE_LEN = policy.MAX_RESOURCE_BYTES
"""The longest resource name, in UTF-8 bytes."""
MAX_OWNER_LEN = policy.MAX_OWNER_BYTES
"""The longest owner label, in UTF-8 bytes."""
MAX_DATA_LEN = policy.MAX_DATA_BYTES
"""The largest payload, in bytes."""


def to_seconds(value: Seconds, name: str) -> float:
    """Returns a duration in seconds.

    Raises:
        InvalidArgumentError: It is neither a number nor a timedelta, or is NaN.
    """
    # bool is an int subclass: ttl=True is a bug, not one second.
    if isinstance(value, bool) or not isinstance(value, (int, float, timedelta)):
        raise InvalidArgumentError(
            f"distlock: {name} must be seconds or a timedelta, not {type(value).__name__}"
        )
    seconds = value.total_seconds() if isinstance(value, timedelta) else float(value)
    if math.isnan(seconds):
        raise InvalidArgumentError(f"distlock: {name} is NaN")
    return seconds


def _utf8(value: str, name: str) -> bytes:
    try:
        return value.encode("utf-8")
    except UnicodeEncodeError:
        # Lone surrogates are the one way a str is not valid UTF-8.
        raise InvalidArgumentError(f"distlock: {name} is not valid UTF-8") from None


def check_resource(resource: object) -> str:
    """Returns resource if it is a valid resource name.

    Raises:
        InvalidArgumentError: It is not a str, is empty, is not valid UTF-8, or is longer
            than :data:`MAX_RESOURCE_LEN` bytes.
    """
    if not isinstance(resource, str):
        raise InvalidArgumentError(
            f"distlock: resource must be a str, not {type(resource).__name__}"
        )
    if not resource:
        raise InvalidArgumentError("distlock: resource name is empty")
    size = len(_utf8(resource, "resource name"))
    if size > MAX_RESOURCE_LEN:
        raise InvalidArgumentError(
            f"distlock: resource name is {size} bytes, the limit is {MAX_RESOURCE_LEN}"
        )
    return resource


def check_ttl(ttl: Seconds) -> float:
    """Returns ttl in seconds if it is within [:data:`MIN_TTL`, :data:`MAX_TTL`].

    Raises:
        InvalidArgumentError: It is not a duration or is out of bounds.
    """
    seconds = to_seconds(ttl, "ttl")
    if not MIN_TTL <= seconds <= MAX_TTL:
        raise InvalidArgumentError(
            f"distlock: ttl {seconds:g}s is outside [{MIN_TTL:g}s, {MAX_TTL:g}s]"
        )
    return seconds


def check_wait(wait: Seconds | None) -> float:
    """Returns wait in seconds; ``None`` (wait without limit) becomes infinity.

    Raises:
        InvalidArgumentError: It is not a duration or is negative.
    """
    if wait is None:
        return math.inf
    seconds = to_seconds(wait, "wait")
    if seconds < 0:
        raise InvalidArgumentError(f"distlock: wait {seconds:g}s is negative")
    return seconds


def check_owner(owner: object) -> str:
    """Returns owner if it is a valid owner label.

    Raises:
        InvalidArgumentError: It is not a str, is not valid UTF-8 or is over
            :data:`MAX_OWNER_LEN` bytes.
    """
    return check_text(owner, "owner label", MAX_OWNER_LEN)


def check_text(value: object, name: str, limit: int) -> str:
    """Returns value if it is a str of valid UTF-8 within ``limit`` bytes (empty allowed).

    Raises:
        InvalidArgumentError: It is not a str, is not valid UTF-8 or is over ``limit``
            bytes; the message calls it ``name``.
    """
    if not isinstance(value, str):
        raise InvalidArgumentError(f"distlock: {name} must be a str, not {type(value).__name__}")
    size = len(_utf8(value, name))
    if size > limit:
        raise InvalidArgumentError(f"distlock: {name} is {size} bytes, the limit is {limit}")
    return value


def check_data(data: object) -> bytes:
    """Returns data as bytes if it is a payload within :data:`MAX_DATA_LEN` bytes.

    Raises:
        InvalidArgumentError: It is not bytes-like or is too large.
    """
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise InvalidArgumentError(f"distlock: data must be bytes, not {type(data).__name__}")
    payload = bytes(data)
    if len(payload) > MAX_DATA_LEN:
        raise InvalidArgumentError(
            f"distlock: payload is {len(payload)} bytes, the limit is {MAX_DATA_LEN}"
        )
    return payload
