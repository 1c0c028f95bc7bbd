"""Tables of the state database.  Bump :data:`pitstop.state.SCHEMA_VERSION` with every
change and add the upgrade step to :meth:`pitstop.state.store.StateStore._upgrade`.

Version 2 records every verb call as a run: ``kind`` ``verb`` with its ``capability``,
``verb``, ``parent_id`` (the workflow or verb run that made the call) and ``result``
(the result's ``to_dict()`` as JSON).

Version 3 adds ``pitstop_schedule_firings`` (one row per firing of a schedule: the
lease that makes it run once among schedulers sharing the store) and
``pitstop_notifications`` (each notification sent or not).
"""

from __future__ import annotations

import sqlalchemy as sa

from pitstop.state import SCHEMA_VERSION

__all__ = ["SCHEMA_VERSION", "firings", "health_checks", "meta", "metadata", "notifications",
           "runs", "task_runs"]

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
)

UPGRADES: dict[int, tuple[str, ...]] = {
    2: ("ALTER TABLE pitstop_runs ADD COLUMN capability VARCHAR(64)",
        "ALTER TABLE pitstop_runs ADD COLUMN verb VARCHAR(64)",
        "ALTER TABLE pitstop_runs ADD COLUMN parent_id VARCHAR(32)",
        "ALTER TABLE pitstop_runs ADD COLUMN result TEXT",
        "CREATE INDEX ix_pitstop_runs_capability ON pitstop_runs (capability, started_at)"),
    3: (),  # new tables only, which metadata.create_all makes
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
