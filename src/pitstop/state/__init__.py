"""The state database: runs, task runs and health checks (SQLAlchemy Core)."""

from pitstop.state.store import HealthCheckRecord, RunRecord, StateStore, TaskRunRecord

__all__ = ["HealthCheckRecord", "RunRecord", "StateStore", "TaskRunRecord"]
