"""Every ``python`` code block of the README runs against the test service."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ._support import renewal_threads

README = Path(__file__).resolve().parents[1] / "README.md"
EXAMPLE_URL = "http://localhost:8080"
BLOCKS = re.findall(r"^```python\n(.*?)^```$", README.read_text(), flags=re.DOTALL | re.MULTILINE)


def test_readme_has_examples() -> None:
    assert len(BLOCKS) >= 5
    assert all(EXAMPLE_URL in block for block in BLOCKS)


@pytest.mark.parametrize("block", BLOCKS, ids=[f"block{i}" for i in range(len(BLOCKS))])
def test_readme_example_runs(
    block: str, request: pytest.FixtureRequest, capsys: pytest.CaptureFixture[str]
) -> None:
    # The watch example runs on the watch tests' service (see conftest.watch_url).
    url: str = request.getfixturevalue("watch_url" if ".watch(" in block else "service_url")
    code = compile(block.replace(EXAMPLE_URL, url), str(README), "exec")
    exec(code, {"__name__": "__readme__"})  # noqa: S102 -- running our own documentation
    assert capsys.readouterr().out
    assert renewal_threads() == []
