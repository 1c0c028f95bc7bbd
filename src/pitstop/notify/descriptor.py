"""The ``notify`` capability, declared once (see :mod:`pitstop.capability`)."""

from __future__ import annotations

from pitstop.capability import Capability, Command, Extension, Section, Verb

CAPABILITY = Capability(
    name="notify",
    summary="Notifications of runs by webhook (HMAC-signed), Slack and email, with "
            "retries; recorded, never changing a run's outcome.",
    docs="docs/notify.md",
    sections=(Section("notify", "pitstop.notify.settings:NotifySpec"),),
    commands=(Command("notify", "pitstop.cli.notify_cmd:notify",
                      "Notification targets: list them, send a test."),),
    verbs=(
        Verb("list", "pitstop.notify.api:list_notifiers", "Every notification target.",
             recorded=False),
        Verb("test", "pitstop.notify.api:test_notifier", "Send a sample notification and "
             "report the answer.", "write"),
    ),
    observers=(Extension("notify", "pitstop.notify.observer:observe",
                         "Send the notifications [notify.*] asks for when runs start and end."),),
)
