"""``pitstop notify list|test``: notification targets."""

from __future__ import annotations

import click

from pitstop.cli.common import AppContext, json_option, pass_app
from pitstop.output import echo, emit_json, error, info, table


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def notify() -> None:
    """Notification targets ([notify.NAME] in pitstop.toml): webhook, Slack, email;
    see docs/notify.md."""


@notify.command("list")
@json_option
@pass_app
def list_(app: AppContext, as_json: bool) -> int:
    """Every notification target: its kind, receiver (secrets masked), the events it
    is sent and the runs it is about."""
    from pitstop.notify.api import list_notifiers

    result = list_notifiers(app.settings())
    if as_json:
        emit_json(result.to_dict())
        return 0
    if not result.notifiers:
        echo("no notification targets: add a [notify.NAME] table to pitstop.toml "
             "(docs/notify.md)")
        return 0
    table(["target", "kind", "receiver", "on", "about", "enabled"], [
        (n.name, n.kind, n.to, ", ".join(n.on),
         ", ".join([*n.workflows, *(f"{c} commands" for c in n.capabilities)]) or "every run",
         "yes" if n.enabled else "no")
        for n in result.notifiers], keys=("target",))
    return 0


@notify.command("test")
@click.argument("name")
@json_option
@pass_app
def test(app: AppContext, name: str, as_json: bool) -> int:
    """Send a sample notification to target NAME, with its retries, and show what the
    receiver answered.  Recorded in the history like any notification.

    Exit status: 0 sent · 1 the receiver answered with an error · 3 unknown target or
    a ${VAR} that is not set · 4 the receiver could not be reached.
    """
    from pitstop.notify.api import test_notifier

    result = test_notifier(app.settings(), name=name)
    if as_json:
        emit_json(result.to_dict())
    elif result.sent:
        info(f"{name} ({result.kind}): sent in {result.attempts} attempt(s); the receiver "
             f"answered: {result.response}")
    else:
        error(f"{name} ({result.kind}): not sent after {result.attempts} attempt(s): "
              f"{result.error}")
    return result.exit_code
