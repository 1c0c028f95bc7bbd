"""``pitstop user``: the users of the web page and JSON API, and their API tokens."""

from __future__ import annotations

import sys
from typing import Any

import click

from pitstop.cli.common import AppContext, json_option, pass_app
from pitstop.errors import UsageError
from pitstop.output import echo, emit_json, info, table

ROLES = ["viewer", "operator", "admin"]


def _verb(name: str) -> Any:
    from pitstop import registry

    return registry.verb("serve", name).load()


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline()
        password = line.rstrip("\r\n")
        if not password:
            raise UsageError("--password-stdin: standard input held no password")
        return password
    if not sys.stdin.isatty():
        raise UsageError("no terminal to ask for the password",
                         hint="pipe it in with --password-stdin")
    value: str = click.prompt("Password", hide_input=True, confirmation_prompt=True,
                              err=True)
    return value


def _when(value: Any) -> str:
    return "" if value is None else value.astimezone().strftime("%Y-%m-%d %H:%M")


@click.group()
def user() -> None:
    """Manage the users of `pitstop serve` and their API tokens.

    Users live in the state store; passwords are hashed with Argon2, tokens stored as
    digests.  Roles: viewer (reads everything but the audit trail), operator (also
    starts read/write runbooks and verifies backups), admin (also admin runbooks,
    restores, migrate down, users and the audit trail).  Every change is in the audit
    trail.  Needs the web extra: pip install 'pitstop[web]'.
    """


@user.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(ROLES), required=True,
              help="What the user may do: viewer, operator or admin.")
@click.option("--password-stdin", is_flag=True,
              help="Read the password from the first line of standard input (for scripts) "
                   "instead of asking for it.")
@json_option
@pass_app
def add(app: AppContext, name: str, role: str, password_stdin: bool, as_json: bool) -> int:
    """Add user NAME with a role; the password is asked for (twice), or read from
    standard input with --password-stdin."""
    settings = app.settings()
    password = _read_password(password_stdin)
    result = _verb("user-add")(settings, name=name, role=role, password=password)
    if as_json:
        emit_json(result.to_dict())
    else:
        info(f"added {name} ({role})")
    return 0


@user.command("passwd")
@click.argument("name")
@click.option("--password-stdin", is_flag=True,
              help="Read the new password from the first line of standard input.")
@json_option
@pass_app
def passwd(app: AppContext, name: str, password_stdin: bool, as_json: bool) -> int:
    """Set NAME's password; every session of NAME ends (API tokens stay valid)."""
    settings = app.settings()
    password = _read_password(password_stdin)
    result = _verb("user-passwd")(settings, name=name, password=password)
    if as_json:
        emit_json(result.to_dict())
    else:
        info(f"password of {name} changed; their sessions ended")
    return 0


@user.command("role")
@click.argument("name")
@click.argument("role", type=click.Choice(ROLES))
@json_option
@pass_app
def role(app: AppContext, name: str, role: str, as_json: bool) -> int:
    """Give NAME the role ROLE (viewer, operator or admin); it applies at once."""
    result = _verb("user-role")(app.settings(), name=name, role=role)
    if as_json:
        emit_json(result.to_dict())
    else:
        info(f"{name} is now {role}")
    return 0


@user.command("remove")
@click.argument("name")
@json_option
@pass_app
def remove(app: AppContext, name: str, as_json: bool) -> int:
    """Remove NAME with their API tokens and sessions (never the last admin)."""
    result = _verb("user-remove")(app.settings(), name=name)
    if as_json:
        emit_json(result.to_dict())
    else:
        info(f"removed {name}")
    return 0


@user.command("list")
@json_option
@pass_app
def list_(app: AppContext, as_json: bool) -> int:
    """List the users, their roles and their API tokens (never a secret)."""
    result = _verb("user-list")(app.settings())
    if as_json:
        emit_json(result.to_dict())
        return 0
    if not result.users:
        echo("no users yet: add an admin with `pitstop user add NAME --role admin`")
        return 0
    table(["user", "role", "created", "password set", "tokens"], [
        (u.name, u.role, _when(u.created_at), _when(u.password_changed_at),
         ", ".join(t.id + ("" if t.active else " (revoked)") for t in u.tokens))
        for u in result.users
    ], keys=("user",))
    return 0


@user.command("token")
@click.argument("name")
@click.option("--label", default="", help="What the token is for (shown in `user list`).")
@json_option
@pass_app
def token(app: AppContext, name: str, label: str, as_json: bool) -> int:
    """Make a new API token for NAME and print it once (it is stored only as a
    digest).  Use it as `Authorization: Bearer <token>`; revoke it with
    `pitstop user revoke NAME TOKEN_ID`."""
    result = _verb("user-token")(app.settings(), name=name, label=label)
    if as_json:
        emit_json({**result.to_dict(), "token": result.secret})
    else:
        echo(result.secret)
        info(f"token {result.id} for {name}: shown once, store it now")
    return 0


@user.command("revoke")
@click.argument("name")
@click.argument("token_id", required=False)
@click.option("--all", "every", is_flag=True, help="Revoke every token of NAME.")
@json_option
@pass_app
def revoke(app: AppContext, name: str, token_id: str | None, every: bool,
           as_json: bool) -> int:
    """Revoke API token TOKEN_ID of NAME (or every token with --all)."""
    if (token_id is None) == (not every):
        raise UsageError("give a TOKEN_ID or --all (not both)",
                         hint="`pitstop user list` shows the token ids")
    result = _verb("user-revoke")(app.settings(), name=name, token_id=token_id)
    if as_json:
        emit_json(result.to_dict())
    else:
        info(f"revoked {', '.join(result.revoked)}" if result.revoked
             else f"{name} had no active token to revoke")
    return 0
