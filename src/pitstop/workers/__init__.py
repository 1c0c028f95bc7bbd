"""Tasks on Celery workers: ``[engine] executor = "celery"`` and ``pitstop worker``.

Nothing here imports Celery until a run or a worker needs it (see :mod:`.executor`,
:mod:`.worker`, :mod:`.app`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pitstop.workers.api import WorkerResult, run_worker

__all__ = ["WorkerResult", "run_worker"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from pitstop.workers import api

        return getattr(api, name)
    raise AttributeError(name)
