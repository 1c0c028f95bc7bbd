"""The application database, for every capability that talks to it: which database a
command works on (:func:`resolve_url`), connections (:mod:`pitstop.db.connect`), locks
(:mod:`pitstop.db.lock`), creating databases (:mod:`pitstop.db.databases`), each
dialect's way of doing them (:mod:`pitstop.db.dialects`) — and the ``db``
capability's verbs: :func:`init`, :func:`list_extensions`, :func:`verify_extensions`,
:func:`deploy_extensions`.

Importing this package is cheap: each name loads on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pitstop.db.resolve import resolve_url
    from pitstop.db.url import DatabaseURL, parse_url
    from pitstop.db.verbs import (
        ExtensionList,
        ExtensionsResult,
        InitResult,
        deploy_extensions,
        init,
        list_extensions,
        verify_extensions,
    )

_EXPORTS = {
    "resolve_url": "pitstop.db.resolve",
    "DatabaseURL": "pitstop.db.url",
    "parse_url": "pitstop.db.url",
    "ExtensionList": "pitstop.db.verbs",
    "ExtensionsResult": "pitstop.db.verbs",
    "InitResult": "pitstop.db.verbs",
    "deploy_extensions": "pitstop.db.verbs",
    "init": "pitstop.db.verbs",
    "list_extensions": "pitstop.db.verbs",
    "verify_extensions": "pitstop.db.verbs",
}

__all__ = [
    "DatabaseURL",
    "ExtensionList",
    "ExtensionsResult",
    "InitResult",
    "deploy_extensions",
    "init",
    "list_extensions",
    "parse_url",
    "resolve_url",
    "verify_extensions",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'pitstop.db' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return list(__all__)
