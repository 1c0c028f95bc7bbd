"""Tables of the state database.  Bump :data:`pitstop.state.SCHEMA_VERSION` with every
change and add the upgrade step to :meth:`pitstop.state.store.StateStore._upgrade`.

Version 2 records every verb call as a run: ``kind`` ``verb`` with its ``capability``,
``verb``, ``parent_id`` (the workflow or verb run that made the call) and ``result``
(the result's ``to_dict()`` as JSON).

Version 3 adds ``pitstop_schedule_firings`` (one row per firing of a schedule: the
lease that makes it run once among schedulers sharing the store),
``pitstop_notifications`` (each notification sent or not), the web page's users, API
tokens, sessions and the append-only audit trail (:mod:`pitstop.state.accounts`,
:mod:`pitstop.state.audit`), and indexes for browsing runs by target and user.
"""

from __future__ import annotations

import sqlalchemy as sa

from pitstop.state import SCHEMA_VERSION

__all__ = ["SCHEMA_VERSION", "audit", "firings", "health_checks", "meta", "metadata",
           "notifications", "runs", "sessions", "task_runs", "tokens", "users"]

metadata = sa.MetaData()

meta = sa.Table(
    "pitstop_meta", metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("value", sa.String(255), nullable=False),
)

runs = sa.Table(
    "pitstop_runs", metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("target", sa.String(255), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),  # workflow | task | verb
    sa.Column("trigger", sa.String(32), nullable=False),  # cli | workflow | web | schedule …
    sa.Column("user", sa.String(255), nullable=True),
    sa.Column("host", sa.String(255), nullable=False),
    sa.Column("pid", sa.Integer, nullable=False),
    sa.Column("params", sa.Text, nullable=False, default="{}"),
    sa.Column("started_at", sa.Float, nullable=False),
    sa.Column("finished_at", sa.Float, nullable=True),
    sa.Column("heartbeat_at", sa.Float, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("exit_code", sa.Integer, nullable=True),
    sa.Column("error", sa.Text, nullable=True),
    # version 2
    sa.Column("capability", sa.String(64), nullable=True),
    sa.Column("verb", sa.String(64), nullable=True),
    sa.Column("parent_id", sa.String(32), nullable=True),
    sa.Column("result", sa.Text, nullable=True),
    sa.Index("ix_pitstop_runs_started", "started_at"),
    sa.Index("ix_pitstop_runs_status", "status"),
    sa.Index("ix_pitstop_runs_capability", "capability", "started_at"),
    # version 3
    sa.Index("ix_pitstop_runs_target", "target", "started_at"),
    sa.Index("ix_pitstop_runs_user", "user", "started_at"),
)

UPGRADES: dict[int, tuple[str, ...]] = {
    2: ("ALTER TABLE pitstop_runs ADD COLUMN capability VARCHAR(64)",
        "ALTER TABLE pitstop_runs ADD COLUMN verb VARCHAR(64)",
        "ALTER TABLE pitstop_runs ADD COLUMN parent_id VARCHAR(32)",
        "ALTER TABLE pitstop_runs ADD COLUMN result TEXT",
        "CREATE INDEX ix_pitstop_runs_capability ON pitstop_runs (capability, started_at)"),
    3: ("CREATE INDEX ix_pitstop_runs_target ON pitstop_runs (target, started_at)",
        'CREATE INDEX ix_pitstop_runs_user ON pitstop_runs ("user", started_at)'),
}
"""Statements that take the tables from the version before the key to the key."""

task_runs = sa.Table(
    "pitstop_task_runs", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("run_id", sa.String(32), sa.ForeignKey("pitstop_runs.id", ondelete="CASCADE"),
              nullable=False),
    sa.Column("task", sa.String(255), nullable=False),
    sa.Column("attempt", sa.Integer, nullable=False),
    sa.Column("started_at", sa.Float, nullable=True),
    sa.Column("finished_at", sa.Float, nullable=True),
    sa.Column("status", sa.String(32), nullable=False),
    sa.Column("exit_code", sa.Integer, nullable=True),
    sa.Column("command_exit_code", sa.Integer, nullable=True),
    sa.Column("log_path", sa.Text, nullable=True),
    sa.Column("error", sa.Text, nullable=True),
    sa.Column("data", sa.Text, nullable=False, default="{}"),
    sa.Index("ix_pitstop_task_runs_run", "run_id"),
    sa.Index("ix_pitstop_task_runs_task", "task", "finished_at"),
)

health_checks = sa.Table(
    "pitstop_health_checks", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("run_id", sa.String(32), nullable=True),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("status", sa.String(8), nullable=False),
    sa.Column("latency_seconds", sa.Float, nullable=True),
    sa.Column("observed", sa.Text, nullable=False, default="{}"),
    sa.Column("message", sa.Text, nullable=False, default=""),
    sa.Column("hint", sa.Text, nullable=True),
    sa.Column("checked_at", sa.Float, nullable=False),
    sa.Index("ix_pitstop_health_checks_name", "name", "checked_at"),
)

firings = sa.Table(
    "pitstop_schedule_firings", metadata,
    sa.Column("schedule", sa.String(255), primary_key=True),
    sa.Column("fire_at", sa.BigInteger, primary_key=True, autoincrement=False),  # Unix seconds
    sa.Column("trigger", sa.String(16), nullable=False),  # schedule | catchup
    sa.Column("status", sa.String(16), nullable=False),
    # claimed | waiting | running | done | skipped | missed | abandoned | failed
    sa.Column("owner", sa.String(255), nullable=False),  # the scheduler holding the lease
    sa.Column("host", sa.String(255), nullable=False),
    sa.Column("pid", sa.Integer, nullable=False),
    sa.Column("claimed_at", sa.Float, nullable=False),
    sa.Column("heartbeat_at", sa.Float, nullable=False),
    sa.Column("finished_at", sa.Float, nullable=True),
    sa.Column("run_id", sa.String(32), nullable=True),
    sa.Column("note", sa.Text, nullable=True),
    sa.Index("ix_pitstop_schedule_firings_status", "status"),
)

notifications = sa.Table(
    "pitstop_notifications", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("run_id", sa.String(32), nullable=True),  # none for `pitstop notify test`
    sa.Column("notifier", sa.String(255), nullable=False),  # [notify.NAME]
    sa.Column("kind", sa.String(16), nullable=False),  # webhook | slack | email
    sa.Column("event", sa.String(16), nullable=False),  # failure | recovery | success | start | test
    sa.Column("status", sa.String(16), nullable=False),  # sent | failed
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("response", sa.Text, nullable=True),  # what the receiver answered
    sa.Column("error", sa.Text, nullable=True),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("finished_at", sa.Float, nullable=True),
    sa.Index("ix_pitstop_notifications_run", "run_id"),
)


# -- version 3: the web page's users, tokens, sessions and audit trail ----------------------
users = sa.Table(
    "pitstop_users", metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("role", sa.String(16), nullable=False),  # viewer | operator | admin
    sa.Column("password_hash", sa.Text, nullable=False),  # Argon2id, PHC string
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("password_changed_at", sa.Float, nullable=False),
)

tokens = sa.Table(
    "pitstop_tokens", metadata,
    sa.Column("id", sa.String(16), primary_key=True),
    sa.Column("user", sa.String(64), sa.ForeignKey("pitstop_users.name", ondelete="CASCADE"),
              nullable=False),
    sa.Column("digest", sa.String(64), nullable=False),  # SHA-256 of the whole token
    sa.Column("label", sa.String(255), nullable=False, default=""),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("last_used_at", sa.Float, nullable=True),
    sa.Column("revoked_at", sa.Float, nullable=True),
    sa.Index("ix_pitstop_tokens_user", "user"),
)

sessions = sa.Table(
    "pitstop_sessions", metadata,
    sa.Column("digest", sa.String(64), primary_key=True),  # SHA-256 of the session id
    sa.Column("user", sa.String(64), sa.ForeignKey("pitstop_users.name", ondelete="CASCADE"),
              nullable=False),
    sa.Column("csrf", sa.String(64), nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("last_seen_at", sa.Float, nullable=False),
    sa.Column("revoked_at", sa.Float, nullable=True),
    sa.Column("address", sa.String(64), nullable=True),
    sa.Column("user_agent", sa.String(255), nullable=True),
    sa.Index("ix_pitstop_sessions_user", "user"),
)

audit = sa.Table(
    "pitstop_audit", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.Float, nullable=False),
    sa.Column("user", sa.String(64), nullable=True),
    sa.Column("role", sa.String(16), nullable=True),
    sa.Column("address", sa.String(64), nullable=True),
    sa.Column("user_agent", sa.String(255), nullable=True),
    sa.Column("action", sa.String(64), nullable=False),
    sa.Column("target", sa.String(255), nullable=True),
    sa.Column("outcome", sa.String(16), nullable=False),  # success | failure | denied | started
    sa.Column("detail", sa.Text, nullable=True),
    sa.Column("run_id", sa.String(32), nullable=True),
    sa.Index("ix_pitstop_audit_at", "at"),
    sa.Index("ix_pitstop_audit_user", "user", "at"),
    sa.Index("ix_pitstop_audit_action", "action", "at"),
)

# The audit trail is append-only in the database itself, not only in pitstop's code.
_APPEND_ONLY = "the audit trail (pitstop_audit) is append-only"


def _on_create(statement: str, dialect: str) -> None:
    ddl = sa.DDL(statement)  # type: ignore[no-untyped-call]
    sa.event.listen(audit, "after_create", ddl.execute_if(dialect=dialect))


for _event in ("UPDATE", "DELETE"):
    _on_create(f"CREATE TRIGGER pitstop_audit_no_{_event.lower()} BEFORE {_event} ON "
               f"pitstop_audit BEGIN SELECT RAISE(ABORT, '{_APPEND_ONLY}'); END", "sqlite")
_on_create("CREATE OR REPLACE FUNCTION pitstop_audit_append_only() RETURNS trigger AS $$ "
           f"BEGIN RAISE EXCEPTION '{_APPEND_ONLY}'; END $$ LANGUAGE plpgsql", "postgresql")
_on_create("CREATE TRIGGER pitstop_audit_append_only BEFORE UPDATE OR DELETE ON pitstop_audit "
           "FOR EACH ROW EXECUTE FUNCTION pitstop_audit_append_only()", "postgresql")
_on_create("CREATE TRIGGER pitstop_audit_no_truncate BEFORE TRUNCATE ON pitstop_audit "
           "FOR EACH STATEMENT EXECUTE FUNCTION pitstop_audit_append_only()", "postgresql")
