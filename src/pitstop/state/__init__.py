"""The state database: runs, task runs, health checks, and the web page's users,
sessions and audit trail.

:mod:`pitstop.state.store` reads and writes it through SQLAlchemy Core;
:mod:`pitstop.state.runs` and :mod:`pitstop.state.recorder` write run records over a
plain driver connection, so recording a command costs a few milliseconds.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

SCHEMA_VERSION = 3
"""Bump with every change to :mod:`pitstop.state.tables` and add the upgrade step to
:meth:`pitstop.state.store.StateStore._upgrade`."""

if TYPE_CHECKING:
    from pitstop.state.store import HealthCheckRecord, RunRecord, StateStore, TaskRunRecord

__all__ = ["SCHEMA_VERSION", "HealthCheckRecord", "RunRecord", "StateStore", "TaskRunRecord"]


def __getattr__(name: str) -> Any:
    if name in ("HealthCheckRecord", "RunRecord", "StateStore", "TaskRunRecord"):
        from pitstop.state import store

        return getattr(store, name)
    raise AttributeError(f"module 'pitstop.state' has no attribute {name!r}")
