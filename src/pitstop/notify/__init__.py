"""Notifications: ``[notify.NAME]`` targets (webhook, Slack, email) told when runs
start, fail, recover or succeed, from every front (the observer in
:mod:`pitstop.notify.observer`, installed through the registry)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pitstop.notify.api import list_notifiers, test_notifier

__all__ = ["list_notifiers", "test_notifier"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from pitstop.notify import api

        return getattr(api, name)
    raise AttributeError(f"module 'pitstop.notify' has no attribute {name!r}")
