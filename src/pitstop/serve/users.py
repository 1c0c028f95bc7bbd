"""The ``user`` verbs: accounts of the web page and JSON API, kept in the state store.

Passwords are stored as Argon2id hashes, API tokens as SHA-256 digests (a token is
shown once, when it is made).  There is no default account: ``pitstop serve`` refuses
to start until an admin exists.  Every change is written to the audit trail, whichever
front made it, and no change may leave the store without an admin.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Literal

from pitstop.capability import Progress, Result, recorded
from pitstop.errors import UsageError

if TYPE_CHECKING:
    from pitstop.config import Settings
    from pitstop.state.accounts import Accounts
    from pitstop.state.audit import AuditTrail

Role = Literal["viewer", "operator", "admin"]
ROLES: tuple[Role, ...] = ("viewer", "operator", "admin")
TOKEN_PREFIX = "pst_"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")


def _time(ts: float | None) -> dt.datetime | None:
    return None if ts is None else dt.datetime.fromtimestamp(ts, dt.UTC)


@dataclasses.dataclass(frozen=True)
class TokenInfo(Result):
    """An API token, without its secret."""

    id: str
    user: str
    label: str
    created_at: dt.datetime | None
    last_used_at: dt.datetime | None = None
    revoked_at: dt.datetime | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


@dataclasses.dataclass(frozen=True)
class UserInfo(Result):
    name: str
    role: str
    created_at: dt.datetime | None
    password_changed_at: dt.datetime | None
    tokens: tuple[TokenInfo, ...] = ()


@dataclasses.dataclass(frozen=True)
class UserList(Result):
    users: tuple[UserInfo, ...]


@dataclasses.dataclass(frozen=True)
class UserChange(Result):
    """What a ``user`` verb changed."""

    change: str  # added | password changed | role changed | removed
    name: str
    role: str | None = None


@dataclasses.dataclass(frozen=True)
class NewToken(Result):
    """A token just made.  Its secret is :attr:`secret`, shown once: it is not part of
    :meth:`to_dict`, so it never reaches the history."""

    id: str
    user: str
    label: str
    _secret: str = dataclasses.field(default="", repr=False)

    @property
    def secret(self) -> str:
        return self._secret


@dataclasses.dataclass(frozen=True)
class TokensRevoked(Result):
    user: str
    revoked: tuple[str, ...]


# -- helpers ---------------------------------------------------------------------------
@contextmanager
def _open(settings: Settings) -> Iterator[tuple[Accounts, AuditTrail]]:
    from pitstop.state.accounts import Accounts
    from pitstop.state.audit import AuditTrail
    from pitstop.state.store import StateStore

    with StateStore.open(settings.state.url) as store:
        yield Accounts(store.engine), AuditTrail(store.engine)


def _check_name(name: str) -> None:
    if not _NAME.match(name):
        raise UsageError(f"user name {name!r}: expected 1-64 letters, digits, '.', '_', '@' "
                         "or '-', starting with a letter or digit")


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise UsageError(f"role {role!r}: expected one of {', '.join(ROLES)}")


def _existing(accounts: Accounts, name: str) -> Any:
    user = accounts.user(name)
    if user is None:
        raise UsageError(f"no user named {name!r}", hint="`pitstop user list` shows the users")
    return user


def _keep_an_admin(accounts: Accounts, name: str, what: str) -> None:
    user = accounts.user(name)
    if user is not None and user.role == "admin" and accounts.count_role("admin") == 1:
        raise UsageError(f"refusing to {what}: {name} is the only admin, and `pitstop serve` "
                         "does not start without one",
                         hint="make another user admin first (`pitstop user add NAME --role "
                              "admin`, or `pitstop user role NAME admin`)")


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _audit(trail: AuditTrail, action: str, target: str, detail: str | None = None) -> None:
    from pitstop.serve.actor import record

    record(trail, action, "success", target=target, detail=detail)


# -- verbs -----------------------------------------------------------------------------
@recorded("serve", "user-add")
def add_user(settings: Settings, *, name: str, role: str, password: str,
             progress: Progress | None = None) -> UserChange:
    """Add a user with a role (viewer, operator or admin) and a password."""
    from pitstop.serve.passwords import check_strength, hash_password

    _check_name(name)
    _check_role(role)
    check_strength(password)
    hashed = hash_password(password)
    with _open(settings) as (accounts, trail):
        if not accounts.add_user(name, role, hashed):
            raise UsageError(f"a user named {name!r} exists already",
                             hint=f"change the password with `pitstop user passwd {name}`, "
                                  f"the role with `pitstop user role {name} ROLE`")
        _audit(trail, "user.add", name, f"role {role}")
    return UserChange("added", name, role)


@recorded("serve", "user-passwd")
def set_password(settings: Settings, *, name: str, password: str,
                 progress: Progress | None = None) -> UserChange:
    """Set a user's password; every session of the user ends."""
    from pitstop.serve.passwords import check_strength, hash_password

    check_strength(password)
    hashed = hash_password(password)
    with _open(settings) as (accounts, trail):
        user = _existing(accounts, name)
        accounts.set_password(name, hashed)
        _audit(trail, "user.passwd", name, "sessions ended")
    return UserChange("password changed", name, user.role)


@recorded("serve", "user-role")
def set_role(settings: Settings, *, name: str, role: str,
             progress: Progress | None = None) -> UserChange:
    """Give a user another role (it applies to their open sessions at once)."""
    _check_role(role)
    with _open(settings) as (accounts, trail):
        user = _existing(accounts, name)
        if role != "admin":
            _keep_an_admin(accounts, name, f"make {name} {role}")
        accounts.set_role(name, role)
        _audit(trail, "user.role", name, f"{user.role} -> {role}")
    return UserChange("role changed", name, role)


@recorded("serve", "user-remove")
def remove_user(settings: Settings, *, name: str,
                progress: Progress | None = None) -> UserChange:
    """Remove a user, their API tokens and their sessions."""
    with _open(settings) as (accounts, trail):
        user = _existing(accounts, name)
        _keep_an_admin(accounts, name, f"remove {name}")
        accounts.remove_user(name)
        _audit(trail, "user.remove", name, f"was {user.role}")
    return UserChange("removed", name, user.role)


def list_users(settings: Settings, *, progress: Progress | None = None) -> UserList:
    """Every user with their role and API tokens (never a secret)."""
    with _open(settings) as (accounts, _trail):
        tokens = accounts.tokens()
        users = accounts.users()
    return UserList(tuple(
        UserInfo(u.name, u.role, _time(u.created_at), _time(u.password_changed_at),
                 tuple(_token_info(t) for t in tokens if t.user == u.name))
        for u in users))


def _token_info(token: Any) -> TokenInfo:
    return TokenInfo(token.id, token.user, token.label, _time(token.created_at),
                     _time(token.last_used_at), _time(token.revoked_at))


@recorded("serve", "user-token")
def create_token(settings: Settings, *, name: str, label: str = "",
                 progress: Progress | None = None) -> NewToken:
    """Make a new API token for a user (``Authorization: Bearer <token>``); the token
    is in the result once and stored only as a digest."""
    token_id = secrets.token_hex(6)
    token = f"{TOKEN_PREFIX}{token_id}_{secrets.token_urlsafe(32)}"
    with _open(settings) as (accounts, trail):
        _existing(accounts, name)
        accounts.add_token(token_id, name, token_digest(token), label[:255])
        _audit(trail, "token.create", name, f"token {token_id}" + (f" ({label})" if label else ""))
    return NewToken(token_id, name, label, token)


@recorded("serve", "user-revoke")
def revoke_tokens(settings: Settings, *, name: str, token_id: str | None = None,
                  progress: Progress | None = None) -> TokensRevoked:
    """Revoke one API token of a user, or (no ``token_id``) all of them."""
    with _open(settings) as (accounts, trail):
        _existing(accounts, name)
        if token_id is not None and not any(t.id == token_id for t in accounts.tokens(name)):
            raise UsageError(f"{name} has no token {token_id!r}",
                             hint=f"`pitstop user list` shows {name}'s tokens")
        revoked = accounts.revoke_tokens(name, token_id)
        if revoked:
            _audit(trail, "token.revoke", name, "token " + ", ".join(revoked))
    return TokensRevoked(name, tuple(revoked))
