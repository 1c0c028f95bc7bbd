"""PostgreSQL figures for the ``database`` check: version, recovery and replication lag,
connections against ``max_connections``, database size, oldest open transaction."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pitstop.checks.base import Observed, Probe
from pitstop.checks.database import ms, round_trip, server_connection, share
from pitstop.checks.settings import DatabaseCheckSettings

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from pitstop.db.url import DatabaseURL

_FIGURES = """
SELECT current_setting('server_version') AS version,
       pg_is_in_recovery() AS in_recovery,
       current_setting('max_connections')::int AS max_connections,
       (SELECT count(*) FROM pg_stat_activity) AS connections,
       pg_database_size(current_database()) AS size,
       (SELECT EXTRACT(EPOCH FROM max(now() - xact_start))
          FROM pg_stat_activity
         WHERE xact_start IS NOT NULL AND pid <> pg_backend_pid()) AS oldest_xact
"""
# A standby that has replayed everything it received shows no lag, also when it no longer
# receives anything: so the WAL receiver is read too.  Without pg_read_all_stats its status
# is hidden (NULL) and only its presence shows; without pg_read_all_settings the
# primary_conninfo row is hidden and streaming is assumed to be expected.
_REPLICA_LAG = """
SELECT CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
            ELSE EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()) END AS lag,
       (SELECT count(*) FROM pg_stat_wal_receiver) AS receivers,
       (SELECT max(status) FROM pg_stat_wal_receiver) AS receiver_status,
       (SELECT setting <> '' FROM pg_settings WHERE name = 'primary_conninfo') AS streams
"""
_PRIMARY_LAG = "SELECT count(*), max(EXTRACT(EPOCH FROM replay_lag)) FROM pg_stat_replication"


def _scalar_row(conn: Connection, sql: str) -> Any:
    import sqlalchemy

    return conn.execute(sqlalchemy.text(sql)).one()


def _not_streaming(standby: Any) -> str | None:
    """Why a standby that should stream from a primary does not, or ``None``."""
    if standby.streams is False:  # restores from an archive only: nothing to stream
        return None
    if not standby.receivers:
        return "no WAL receiver running"
    status = standby.receiver_status
    if status is not None and status != "streaming":
        return f"WAL receiver {status}"
    return None


def probe(db: DatabaseURL, cfg: DatabaseCheckSettings, timeout: float) -> Probe:
    with server_connection(db, timeout) as conn:
        rtt = round_trip(conn)
        row = _scalar_row(conn, _FIGURES)
        in_recovery = bool(row.in_recovery)
        stopped: str | None = None
        if in_recovery:
            standby = _scalar_row(conn, _REPLICA_LAG)
            replicas, lag, stopped = None, standby.lag, _not_streaming(standby)
        else:
            replicas, lag = _scalar_row(conn, _PRIMARY_LAG)
    version = str(row.version).split()[0]
    observed: dict[str, Observed] = {
        "round_trip": ms(rtt),
        "server_version": Observed(version),
        "in_recovery": Observed(in_recovery),
        "connections": Observed(int(row.connections), "connections"),
        "max_connections": Observed(int(row.max_connections), "connections"),
        "connections_used": share(row.connections, row.max_connections, cfg.connections_warn),
        "database_size": Observed(int(row.size), "bytes"),
    }
    notes: list[str] = []
    if replicas is not None:
        observed["replicas"] = Observed(int(replicas), "replicas")
    if stopped is not None:
        observed["replication_lag"] = Observed(None, "s", "fail")
        notes.append(f"not streaming from the primary ({stopped})")
    elif lag is not None:
        lagging = float(lag) > cfg.max_replication_lag
        observed["replication_lag"] = Observed(round(float(lag), 3), "s",
                                               "warn" if lagging else None)
        if lagging:
            notes.append(f"replication lag {float(lag):.1f} s")
    oldest = float(row.oldest_xact) if row.oldest_xact is not None else 0.0
    old = oldest > cfg.max_transaction_age
    observed["oldest_transaction"] = Observed(round(oldest, 3), "s", "warn" if old else None)
    if old:
        notes.append(f"a transaction has been open {oldest:.0f} s")
    if observed["connections_used"].status:
        notes.append(f"{row.connections}/{row.max_connections} connections in use")
    role = "replica" if in_recovery else "primary"
    message = f"PostgreSQL {version} ({role})"
    hint = None
    if notes:
        message += ": " + ", ".join(notes)
        hint = ("look at pg_stat_activity / pg_stat_replication; raise max_connections or "
                "use a pooler if connections run out")
    if stopped is not None:
        hint = ("check that the primary in primary_conninfo is up and reachable from the "
                "standby, and read the standby's log (pg_stat_wal_receiver shows the link)")
    return Probe(message, observed, hint=hint)
