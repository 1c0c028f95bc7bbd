"""``[test]``: how ``pitstop test`` finds the project's interpreter and what it runs.
Every default is here."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from pitstop.config_types import Duration


@dataclasses.dataclass(frozen=True)
class TestSettings:
    """The ``[test]`` table of ``pitstop.toml``."""

    __test__ = False  # not a pytest test class

    python: Path | None = None
    """The project's interpreter, or its virtualenv directory.  Default: ``$VIRTUAL_ENV``,
    then ``.venv`` in the project."""
    smoke_marker: str = "smoke"
    """Smoke tests are the tests with this pytest marker (``-m smoke``) …"""
    smoke_tests: tuple[str, ...] = ()
    """… unless node ids or paths are listed here (``tests/test_api.py::test_health``)."""
    budget: Duration | None = 30.0
    """Time budget of the whole smoke run; over it the run fails.  0 means none."""
    slow_test: Duration = 5.0
    """A single test taking longer than this is flagged as slow."""
    slowest: int = 5
    """How many of the slowest tests to report."""
    fail_under: float | None = None
    """Coverage floor in percent; ``test coverage`` fails below it."""
    coverage_source: tuple[str, ...] = ()
    """Packages or directories to measure (``--cov=…``); default: coverage's own config."""
    paths: tuple[str, ...] = ()
    """Test paths for ``test coverage`` (default: pytest's ``testpaths``)."""
    pytest_args: tuple[str, ...] = ()
    """Extra arguments for every pytest run."""
    reports_dir: Path = Path(".pitstop/reports")
    """Where ``coverage.xml``, the HTML report and pytest's output go."""
    timeout: Duration | None = None
    """Stop pytest after this long (the run then fails)."""

    def __post_init__(self) -> None:
        if self.slowest < 0:
            raise ValueError("slowest: expected a number >= 0")
        if self.fail_under is not None and not 0 <= self.fail_under <= 100:
            raise ValueError(f"fail_under: expected a percentage 0-100, got {self.fail_under}")
        if not self.smoke_marker.strip():
            raise ValueError("smoke_marker: expected a marker name")
