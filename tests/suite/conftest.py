"""A small sample pytest project, generated per test, for `pitstop test`."""

from __future__ import annotations

import logging
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
VENV_PYTHON = ROOT / ".venv" / "bin" / "python"
PYTHON = VENV_PYTHON if VENV_PYTHON.is_file() else Path(sys.executable)

FILES = {
    "pyproject.toml": """
        [tool.pytest.ini_options]
        markers = ["smoke: fast end-to-end checks"]
        testpaths = ["tests"]
        pythonpath = ["."]
    """,
    "app/__init__.py": """
        def add(a, b):
            return a + b


        def classify(n):
            if n < 0:
                return "negative"
            if n == 0:
                return "zero"
            return "positive"
    """,
    "tests/test_api.py": """
        import time

        import pytest

        from app import add


        @pytest.mark.smoke
        def test_health():
            assert add(1, 2) == 3


        @pytest.mark.smoke
        def test_slow_endpoint():
            time.sleep(0.4)


        def test_unselected():
            raise AssertionError("not a smoke test: must not run in `test smoke`")


        @pytest.mark.smoke
        class TestOrders:
            @pytest.mark.parametrize("n", [1, 2])
            def test_create(self, n):
                assert add(n, n) == 2 * n

            @pytest.mark.skip(reason="not today")
            def test_skipped(self):
                pass
    """,
    "tests/test_broken.py": """
        from app import classify


        def test_positive():
            assert classify(1) == "positive"


        def test_fails():
            assert classify(0) == "positive", "zero is not positive"
    """,
    "tests/empty/README.md": "no tests here\n",
}


def write_project(root: Path, extra: dict[str, str] | None = None) -> Path:
    for name, text in {**FILES, **(extra or {})}.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return root


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    """The sample project (no virtualenv of its own; pass PYTHON explicitly)."""
    return write_project(tmp_path / "sample")


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    """CLI runs point the ``pitstop`` logger at the test's captured stderr; leave it as it
    was, so a later test's log line does not go to a closed stream."""
    logger = logging.getLogger("pitstop")
    saved = (list(logger.handlers), logger.propagate, logger.level)
    yield
    logger.handlers[:] = saved[0]
    logger.propagate, logger.level = saved[1], saved[2]
