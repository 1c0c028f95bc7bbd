"""Shared builders for the schema tests: a sample schema on every dialect, settings for a
database, running SQL text."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa

from pitstop import registry


def settings_for(project: Path, url: str, extra: str = "") -> Any:
    (project / "pitstop.toml").write_text(f'database_url = "{url}"\n{extra}', encoding="utf-8")
    return registry.load_settings(project, env={})


def engine(url: str) -> sa.Engine:
    from pitstop.db.url import parse_url

    return sa.create_engine(parse_url(url).sqlalchemy_url, poolclass=sa.pool.NullPool)


def sample_metadata(dialect: str) -> sa.MetaData:
    """Tables using what the issue names: numeric precision, timestamps with time zone,
    server defaults, an enum, JSON, UUID, identity, partial and expression indexes,
    foreign keys with actions, unique and check constraints; arrays and JSONB on
    PostgreSQL."""
    from sqlalchemy.dialects import postgresql

    md = sa.MetaData()
    mood = sa.Enum("happy", "sad", name="mood")
    extra: list[Any] = []
    if dialect == "postgresql":
        extra = [sa.Column("tags", postgresql.ARRAY(sa.Text)),
                 sa.Column("doc", postgresql.JSONB),
                 sa.Column("serial_no", sa.BigInteger, sa.Identity(always=True))]
    users = sa.Table(
        "users", md,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("email", sa.String(200), nullable=False, comment="login"),
        sa.Column("mood", mood, server_default="happy"),
        sa.Column("price", sa.Numeric(10, 2), server_default=sa.text("0")),
        sa.Column("created", sa.DateTime(timezone=True), server_default=sa.func.now()),
        sa.Column("data", sa.JSON),
        sa.Column("uid", sa.Uuid),
        *extra,
        sa.UniqueConstraint("email", name="uq_users_email"),
        sa.CheckConstraint("price >= 0", name="ck_users_price"),
        comment="people",
    )
    sa.Index("ix_users_created", users.c.created)
    if dialect in ("postgresql", "sqlite"):
        sa.Index("ix_users_lower_email", sa.func.lower(users.c.email))
        sa.Index("ix_users_paid", users.c.price, postgresql_where=sa.text("price > 0"),
                 sqlite_where=sa.text("price > 0"))
    sa.Table(
        "posts", md,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE",
                                                       name="fk_posts_user"), nullable=False),
        sa.Column("title", sa.String(100), nullable=False),
    )
    return md


def create(url: str, md: sa.MetaData) -> None:
    eng = engine(url)
    try:
        md.create_all(eng)
        with eng.begin() as conn:
            conn.exec_driver_sql("CREATE VIEW user_emails AS SELECT id, email FROM users")
    finally:
        eng.dispose()


def run_sql(url: str, text: str) -> None:
    """Run ``text`` (statements ending with ``;`` at a line's end)."""
    eng = engine(url)
    try:
        with eng.begin() as conn:
            for statement in text.split(";\n"):
                lines = [ln for ln in statement.splitlines() if not ln.startswith("--")]
                body = "\n".join(lines).strip().rstrip(";")
                if body:
                    conn.exec_driver_sql(body)
    finally:
        eng.dispose()
