"""The web page's users, API tokens and sessions, kept in the state database.

Only what cannot be used on its own is stored: a password as its Argon2 hash (made by
:mod:`pitstop.serve.passwords`), an API token and a session id as their SHA-256
digests (both are 256-bit random values, so a fast hash is enough; the token itself is
shown once and never again).  Hashing passwords is not this module's job: it keeps
rows, and the callers decide what goes in them.
"""

from __future__ import annotations

import dataclasses
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine


@dataclasses.dataclass(frozen=True)
class UserRecord:
    name: str
    role: str
    password_hash: str = dataclasses.field(repr=False)
    created_at: float
    password_changed_at: float


@dataclasses.dataclass(frozen=True)
class TokenRecord:
    id: str
    user: str
    digest: str = dataclasses.field(repr=False)
    label: str
    created_at: float
    last_used_at: float | None = None
    revoked_at: float | None = None


@dataclasses.dataclass(frozen=True)
class SessionRecord:
    digest: str = dataclasses.field(repr=False)
    user: str
    csrf: str = dataclasses.field(repr=False)
    created_at: float
    last_seen_at: float
    revoked_at: float | None = None
    address: str | None = None
    user_agent: str | None = None


def _user(row: Any) -> UserRecord:
    return UserRecord(row["name"], row["role"], row["password_hash"], row["created_at"],
                      row["password_changed_at"])


def _token(row: Any) -> TokenRecord:
    return TokenRecord(row["id"], row["user"], row["digest"], row["label"], row["created_at"],
                       row["last_used_at"], row["revoked_at"])


class Accounts:
    """Users, tokens and sessions over the state store's engine."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    # -- users -----------------------------------------------------------------------
    def add_user(self, name: str, role: str, password_hash: str) -> bool:
        """Add a user; False when one of that name exists."""
        import sqlalchemy as sa

        from pitstop.state import tables

        now = time.time()
        try:
            with self._engine.begin() as conn:
                conn.execute(tables.users.insert().values(
                    name=name, role=role, password_hash=password_hash, created_at=now,
                    password_changed_at=now))
        except sa.exc.IntegrityError:
            return False
        return True

    def user(self, name: str) -> UserRecord | None:
        import sqlalchemy as sa

        from pitstop.state import tables

        with self._engine.connect() as conn:
            row = conn.execute(sa.select(tables.users).where(tables.users.c.name == name)
                               ).mappings().first()
        return None if row is None else _user(row)

    def users(self) -> list[UserRecord]:
        import sqlalchemy as sa

        from pitstop.state import tables

        with self._engine.connect() as conn:
            rows = conn.execute(sa.select(tables.users).order_by(tables.users.c.name)
                                ).mappings().all()
        return [_user(r) for r in rows]

    def count_role(self, role: str) -> int:
        import sqlalchemy as sa

        from pitstop.state import tables

        with self._engine.connect() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(tables.users)
                                    .where(tables.users.c.role == role)).scalar() or 0)

    def set_password(self, name: str, password_hash: str) -> bool:
        """Replace the password and end every session of the user."""
        from pitstop.state import tables

        now = time.time()
        with self._engine.begin() as conn:
            done = conn.execute(tables.users.update().where(tables.users.c.name == name).values(
                password_hash=password_hash, password_changed_at=now)).rowcount
            self._revoke_sessions(conn, name, now)
        return bool(done)

    def set_role(self, name: str, role: str) -> bool:
        """Change the role (it applies to the user's open sessions at once)."""
        from pitstop.state import tables

        with self._engine.begin() as conn:
            return bool(conn.execute(tables.users.update().where(tables.users.c.name == name)
                                     .values(role=role)).rowcount)

    def remove_user(self, name: str) -> bool:
        """Remove a user with their tokens and sessions."""
        from pitstop.state import tables

        with self._engine.begin() as conn:
            conn.execute(tables.sessions.delete().where(tables.sessions.c.user == name))
            conn.execute(tables.tokens.delete().where(tables.tokens.c.user == name))
            return bool(conn.execute(tables.users.delete().where(tables.users.c.name == name)
                                     ).rowcount)

    # -- tokens ----------------------------------------------------------------------
    def add_token(self, token_id: str, user: str, digest: str, label: str) -> None:
        from pitstop.state import tables

        with self._engine.begin() as conn:
            conn.execute(tables.tokens.insert().values(
                id=token_id, user=user, digest=digest, label=label, created_at=time.time()))

    def token(self, token_id: str) -> TokenRecord | None:
        import sqlalchemy as sa

        from pitstop.state import tables

        with self._engine.connect() as conn:
            row = conn.execute(sa.select(tables.tokens).where(tables.tokens.c.id == token_id)
                               ).mappings().first()
        return None if row is None else _token(row)

    def tokens(self, user: str | None = None) -> list[TokenRecord]:
        import sqlalchemy as sa

        from pitstop.state import tables

        t = tables.tokens
        query = sa.select(t).order_by(t.c.user, t.c.created_at)
        if user is not None:
            query = query.where(t.c.user == user)
        with self._engine.connect() as conn:
            return [_token(r) for r in conn.execute(query).mappings().all()]

    def revoke_tokens(self, user: str, token_id: str | None = None) -> list[str]:
        """Revoke one token of ``user`` (or all of them); the ids revoked."""
        import sqlalchemy as sa

        from pitstop.state import tables

        t = tables.tokens
        where = [t.c.user == user, t.c.revoked_at.is_(None)]
        if token_id is not None:
            where.append(t.c.id == token_id)
        with self._engine.begin() as conn:
            ids = list(conn.execute(sa.select(t.c.id).where(*where)).scalars())
            if ids:
                conn.execute(t.update().where(t.c.id.in_(ids)).values(revoked_at=time.time()))
        return ids

    def touch_token(self, token_id: str, now: float) -> None:
        from pitstop.state import tables

        with self._engine.begin() as conn:
            conn.execute(tables.tokens.update().where(tables.tokens.c.id == token_id)
                         .values(last_used_at=now))

    # -- sessions --------------------------------------------------------------------
    def add_session(self, digest: str, user: str, csrf: str, *, address: str | None,
                    user_agent: str | None) -> None:
        from pitstop.state import tables

        now = time.time()
        with self._engine.begin() as conn:
            conn.execute(tables.sessions.insert().values(
                digest=digest, user=user, csrf=csrf, created_at=now, last_seen_at=now,
                address=address, user_agent=(user_agent or "")[:255] or None))

    def session(self, digest: str) -> SessionRecord | None:
        import sqlalchemy as sa

        from pitstop.state import tables

        with self._engine.connect() as conn:
            row = conn.execute(sa.select(tables.sessions)
                               .where(tables.sessions.c.digest == digest)).mappings().first()
        if row is None:
            return None
        return SessionRecord(row["digest"], row["user"], row["csrf"], row["created_at"],
                             row["last_seen_at"], row["revoked_at"], row["address"],
                             row["user_agent"])

    def touch_session(self, digest: str, now: float) -> None:
        from pitstop.state import tables

        with self._engine.begin() as conn:
            conn.execute(tables.sessions.update().where(tables.sessions.c.digest == digest)
                         .values(last_seen_at=now))

    def revoke_session(self, digest: str) -> None:
        from pitstop.state import tables

        with self._engine.begin() as conn:
            conn.execute(tables.sessions.update()
                         .where(tables.sessions.c.digest == digest,
                                tables.sessions.c.revoked_at.is_(None))
                         .values(revoked_at=time.time()))

    def revoke_sessions(self, user: str) -> None:
        with self._engine.begin() as conn:
            self._revoke_sessions(conn, user, time.time())

    @staticmethod
    def _revoke_sessions(conn: Any, user: str, now: float) -> None:
        from pitstop.state import tables

        conn.execute(tables.sessions.update()
                     .where(tables.sessions.c.user == user,
                            tables.sessions.c.revoked_at.is_(None))
                     .values(revoked_at=now))

    def forget_sessions(self, before: float) -> int:
        """Delete sessions last seen before ``before`` (expired or revoked long ago)."""
        from pitstop.state import tables

        with self._engine.begin() as conn:
            return int(conn.execute(tables.sessions.delete()
                                    .where(tables.sessions.c.last_seen_at < before)).rowcount)
