"""A ``distlock serve --auth FILE`` for the tests, with tokens made by ``distlock auth``."""

from __future__ import annotations

import contextlib
import subprocess
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ._serve import serve

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path


@dataclass(frozen=True)
class AuthService:
    """A service with auth, and the tokens of its principals."""

    url: str
    team_a: str
    """The token of a principal that may acquire and read under ``team-a/``."""
    capped: str
    """The token of a team-a principal that may hold one lock at a time (max_held 1)."""


def new_token(binary: Path, name: str, group: str) -> tuple[str, str]:
    """Returns a new token of principal ``name`` and its entry for the auth file."""
    out = subprocess.run(
        [str(binary), "auth", "new-token", name, "--groups", group],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    lines = [line for line in out.splitlines() if not line.startswith("#")]
    return lines[0], "\n".join(lines[1:]) + "\n"


@contextlib.contextmanager
def serve_with_auth(binary: Path, tmp: Path, *flags: str) -> Iterator[AuthService]:
    """Runs a service whose auth file grants team-a acquire and read under ``team-a/``."""
    team_a, team_a_entry = new_token(binary, "alice", "team-a")
    capped, capped_entry = new_token(binary, "capped", "team-a")
    auth = tmp / "auth.yaml"
    auth.write_text(
        "tokens:\n"
        + team_a_entry
        + capped_entry
        + "rules:\n"
        + "  - groups: [team-a]\n"
        + "    verbs: [acquire, read]\n"
        + '    resources: ["team-a/"]\n'
        + "quotas:\n"
        + "  principals:\n"
        + "    capped: {max_held: 1}\n"
    )
    with serve(binary, tmp, "--auth", str(auth), *flags) as url:
        yield AuthService(url=url, team_a=team_a, capped=capped)
