"""Who is asking and what they may do: sessions, API tokens, CSRF, roles, login
throttling.

- A **session** is a random 256-bit id in a signed, ``HttpOnly``, ``SameSite=Lax``
  cookie (``Secure`` over HTTPS, directly or as the trusted proxy says); the state
  store keeps its SHA-256 digest, so logout and a password change end it on the
  server.  It ends after ``session_idle`` unused and ``session_max`` after login.
- An **API token** (``Authorization: Bearer pst_…``) is looked up by its id and
  compared by digest; revoked or unknown is 401.
- **CSRF**: every state-changing request made with a session carries the session's
  token (``X-CSRF-Token`` header or ``csrf_token`` form field), else 403.  Requests
  made with an API token carry no cookie, so need none.
- **Roles** are ordered viewer < operator < admin and read from the user's row on
  every request, so a role change applies at once.
- **Login throttling**: ``login_attempts`` failures of one user (``address_attempts``
  from one address) within ``login_window`` lock it for ``lockout`` after the last
  failure.  Failures are counted from the audit trail, where each one is recorded.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import math
import secrets
import time
from typing import TYPE_CHECKING, Any, Literal

from pitstop.serve.users import TOKEN_PREFIX, token_digest

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from pitstop.serve.settings import ServeSettings
    from pitstop.state.accounts import Accounts
    from pitstop.state.audit import AuditTrail

SESSION_COOKIE = "pitstop_session"
LOGIN_COOKIE = "pitstop_login"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
RANK = {"viewer": 1, "operator": 2, "admin": 3}
TOUCH_EVERY = 60.0
"""Seconds between writes of a session's or token's last use."""
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_SECRET_KEY = "serve_cookie_key"


@dataclasses.dataclass(frozen=True)
class Principal:
    """The user behind a request, and how they proved it."""

    user: str
    role: str
    via: Literal["session", "token"]
    csrf: str = dataclasses.field(default="", repr=False)
    session: str | None = dataclasses.field(default=None, repr=False)
    token_id: str | None = None

    def can(self, role: str) -> bool:
        return RANK.get(self.role, 0) >= RANK[role]


@dataclasses.dataclass(frozen=True)
class LoginResult:
    principal: Principal | None
    cookie: str | None = None
    error: str | None = None


def level_role(level: str) -> str:
    """The least role that may start something of ``level``: starting anything takes
    an operator; ``admin`` things an admin."""
    return "admin" if level == "admin" else "operator"


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def cookie_key(engine: Engine) -> str:
    """The key cookies are signed with: made once and kept in the state store, so
    every pitstop serving one store accepts the others' cookies."""
    import sqlalchemy as sa

    from pitstop.state import tables

    meta = tables.meta
    with engine.begin() as conn:
        value = conn.execute(sa.select(meta.c.value).where(meta.c.key == _SECRET_KEY)).scalar()
        if value is not None:
            return str(value)
    try:
        with engine.begin() as conn:
            conn.execute(meta.insert().values(key=_SECRET_KEY, value=secrets.token_hex(32)))
    except sa.exc.IntegrityError:
        pass  # another process made it first
    with engine.begin() as conn:
        return str(conn.execute(sa.select(meta.c.value).where(meta.c.key == _SECRET_KEY))
                   .scalar())


class Guard:
    """Logs people in and out and tells who is behind a request."""

    def __init__(self, conf: ServeSettings, accounts: Accounts, trail: AuditTrail,
                 key: str) -> None:
        from itsdangerous import Signer

        self.conf = conf
        self.accounts = accounts
        self.trail = trail
        self._signer = Signer(key, salt="pitstop.session")
        self._login_signer = Signer(key, salt="pitstop.login")

    # -- login -----------------------------------------------------------------------
    def login_token(self) -> tuple[str, str]:
        """``(cookie, form value)`` of the CSRF token of the login form."""
        value = secrets.token_urlsafe(24)
        return self._login_signer.sign(value).decode("ascii"), value

    def login_token_ok(self, cookie: str | None, sent: str | None) -> bool:
        from itsdangerous import BadSignature

        if not cookie or not sent:
            return False
        try:
            value = self._login_signer.unsign(cookie).decode("ascii")
        except BadSignature:
            return False
        return hmac.compare_digest(value, sent)

    def locked(self, name: str | None, address: str | None, now: float) -> float | None:
        """Seconds until the user or address may try again (``None``: not locked)."""
        conf = self.conf
        window = now - conf.login_window
        waits = []
        if name is not None:
            since = max(window, self.trail.last("login", "success", user=name) or 0.0)
            if self.trail.count("login", "failure", since=since, user=name) \
                    >= conf.login_attempts:
                last = self.trail.last("login", "failure", user=name) or now
                waits.append(last + conf.lockout - now)
        if address is not None and self.trail.count("login", "failure", since=window,
                                                    address=address) >= conf.address_attempts:
            last = self.trail.last("login", "failure", address=address) or now
            waits.append(last + conf.lockout - now)
        wait = max(waits, default=0.0)
        return wait if wait > 0 else None

    def login(self, name: str, password: str, *, address: str | None,
              user_agent: str | None) -> LoginResult:
        """Check a name and password (throttled); on success, a new session."""
        from pitstop.serve.passwords import dummy_hash, verify_password

        now = time.time()
        user = self.accounts.user(name) if name else None
        known = user.name if user is not None else None
        wait = self.locked(known, address, now)
        if wait is not None:
            self.trail.append("login", "denied", user=known, role=user.role if user else None,
                              detail="locked out after failed logins", address=address,
                              user_agent=user_agent)
            minutes = max(1, math.ceil(wait / 60))
            return LoginResult(None, error=f"Too many failed logins: try again in {minutes} "
                                           f"minute{'s' if minutes > 1 else ''}.")
        ok = verify_password(user.password_hash if user else dummy_hash(), password)
        if user is None or not ok:
            self.trail.append("login", "failure", user=known, role=user.role if user else None,
                              detail="wrong password" if user else "unknown user",
                              address=address, user_agent=user_agent)
            self._note_lockout(known, address, now)
            return LoginResult(None, error="Wrong user name or password.")
        session_id = secrets.token_urlsafe(32)
        csrf = secrets.token_urlsafe(32)
        digest = _digest(session_id)
        self.accounts.add_session(digest, user.name, csrf, address=address,
                                  user_agent=user_agent)
        self.trail.append("login", "success", user=user.name, role=user.role, address=address,
                          user_agent=user_agent)
        principal = Principal(user.name, user.role, "session", csrf, digest)
        return LoginResult(principal, self._signer.sign(session_id).decode("ascii"))

    def _note_lockout(self, name: str | None, address: str | None, now: float) -> None:
        """Record a lockout when this failure starts one."""
        if self.locked(name, address, now) is None:
            return
        minutes = f"{self.conf.lockout / 60:g} min"
        self.trail.append("lockout", "denied", user=name, address=address,
                          target=name or address,
                          detail=f"failed logins reached the limit; locked for {minutes}")

    def logout(self, principal: Principal) -> None:
        if principal.session is not None:
            self.accounts.revoke_session(principal.session)

    # -- requests --------------------------------------------------------------------
    def from_token(self, token: str) -> Principal | None:
        if not token.startswith(TOKEN_PREFIX):
            return None
        token_id = token[len(TOKEN_PREFIX):].split("_", 1)[0]
        record = self.accounts.token(token_id)
        if record is None or record.revoked_at is not None \
                or not hmac.compare_digest(record.digest, token_digest(token)):
            return None
        user = self.accounts.user(record.user)
        if user is None:
            return None
        now = time.time()
        if record.last_used_at is None or now - record.last_used_at > TOUCH_EVERY:
            self.accounts.touch_token(record.id, now)
        return Principal(user.name, user.role, "token", token_id=record.id)

    def from_cookie(self, cookie: str) -> Principal | None:
        from itsdangerous import BadSignature

        try:
            session_id = self._signer.unsign(cookie).decode("ascii")
        except (BadSignature, UnicodeDecodeError):
            return None
        digest = _digest(session_id)
        record = self.accounts.session(digest)
        now = time.time()
        if record is None or record.revoked_at is not None \
                or now - record.last_seen_at > self.conf.session_idle \
                or now - record.created_at > self.conf.session_max:
            return None
        user = self.accounts.user(record.user)
        if user is None:
            return None
        if now - record.last_seen_at > TOUCH_EVERY:
            self.accounts.touch_session(digest, now)
        return Principal(user.name, user.role, "session", record.csrf, digest)

    def principal(self, headers: Any, cookies: Any) -> Principal | None:
        """The principal of a request's headers and cookies (a Bearer token wins)."""
        header = headers.get("authorization", "")
        scheme, _, value = header.partition(" ")
        if scheme.lower() == "bearer" and value.strip():
            return self.from_token(value.strip())
        cookie = cookies.get(SESSION_COOKIE)
        return self.from_cookie(cookie) if cookie else None


def csrf_ok(principal: Principal, sent: str | None) -> bool:
    """Whether a state-changing request carries the session's CSRF token (requests
    authenticated by an API token carry no cookie and need none)."""
    if principal.via == "token":
        return True
    return bool(sent) and hmac.compare_digest(str(sent), principal.csrf)
