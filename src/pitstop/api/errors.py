"""What can go wrong in ``pitstop api``.

::

    ApiError (1)                 an invalid document, a generator error, a lost endpoint
    ApiDependencyError (2)       openapi-python-client, ruff or a validator is not installed

The app's own failures come from :mod:`pitstop.project_python` (an import that fails
is exit 3, the app raising is exit 1 with its traceback's tail); a bad ``[api]`` table is
a :class:`~pitstop.errors.ConfigError` (3).
"""

from __future__ import annotations

from pitstop.errors import DependencyError, PitstopError

EXTRA_HINT = "install pitstop's api extra: pip install 'pitstop[api]'"


class ApiError(PitstopError):
    """A document is invalid, the generator failed, or a client lacks an endpoint (1)."""


class ApiDependencyError(DependencyError):
    """A library ``pitstop api`` needs is not installed (2)."""

    def __init__(self, what: str) -> None:
        super().__init__(f"{what} is not installed in pitstop's environment", hint=EXTRA_HINT)


def require(module: str, what: str) -> None:
    """Raise :class:`ApiDependencyError` unless ``module`` can be imported."""
    import importlib.util

    try:
        found = importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        found = False
    if not found:
        raise ApiDependencyError(what)
