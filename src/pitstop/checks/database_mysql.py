"""MySQL/MariaDB figures for the ``database`` check: version, read-only and replica
delay, connections against ``max_connections``, schema size, oldest InnoDB
transaction.  Figures the account may not read are left out, not failed."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from pitstop.checks.base import Observed, Probe
from pitstop.checks.database import ms, round_trip, server_connection, share
from pitstop.checks.settings import DatabaseCheckSettings

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from pitstop.db.url import DatabaseURL

log = logging.getLogger("pitstop.checks")

_FIGURES = """
SELECT VERSION() AS version, @@global.read_only AS read_only,
       @@global.max_connections AS max_connections,
       (SELECT COALESCE(SUM(data_length + index_length), 0) FROM information_schema.tables
         WHERE table_schema = DATABASE()) AS size
"""
_OLDEST = ("SELECT MAX(TIMESTAMPDIFF(SECOND, trx_started, NOW())) "
           "FROM information_schema.innodb_trx")


def _optional(conn: Connection, sql: str) -> Any:
    """A figure that needs a privilege the account may lack: ``None`` when refused."""
    import sqlalchemy
    from sqlalchemy.exc import SQLAlchemyError

    try:
        with conn.begin_nested():
            return conn.execute(sqlalchemy.text(sql)).mappings().all()
    except SQLAlchemyError as exc:
        log.debug("skipped %r: %s", sql, exc)
        return None


def product(version: str) -> tuple[str, str]:
    """``("MariaDB", "10.11.19")`` from ``10.11.19-MariaDB-0+deb12u1``."""
    number = version.split("-", 1)[0]
    return ("MariaDB" if "mariadb" in version.lower() else "MySQL"), number


def _stopped_threads(status: Any) -> str:
    """``"IO thread Connecting, SQL thread No"``: the replication threads not running
    (names of MySQL 8.0.22+ first, then the older ones MariaDB still uses)."""
    states = {thread: status.get(f"Replica_{thread}_Running",
                                 status.get(f"Slave_{thread}_Running")) for thread in ("IO", "SQL")}
    return ", ".join(f"{thread} thread {state or 'unknown'}" for thread, state in states.items()
                     if state != "Yes")


def _replication(rows: list[Any], cfg: DatabaseCheckSettings, observed: dict[str, Observed],
                 notes: list[str]) -> str | None:
    """Lag and state of every replication connection/channel into ``observed`` and
    ``notes``; the last error of a stopped one (for the hint), if any."""
    lags: list[float] = []
    error: str | None = None
    for status in rows:
        label = status.get("Connection_name") or status.get("Channel_Name") \
            or status.get("Channel_name") or ""
        what = f"replication '{label}'" if label else "replication"
        lag = status.get("Seconds_Behind_Source", status.get("Seconds_Behind_Master"))
        stopped = _stopped_threads(status)
        if stopped or lag is None:
            notes.append(f"{what} is not running ({stopped})" if stopped
                         else f"{what} lag unknown")
            error = error or status.get("Last_IO_Error") or status.get("Last_SQL_Error") or None
        else:
            lags.append(float(lag))
    if len(lags) < len(rows):
        observed["replication_lag"] = Observed(None, "s", "fail")
        return error
    lagging = max(lags) > cfg.max_replication_lag
    observed["replication_lag"] = Observed(max(lags), "s", "warn" if lagging else None)
    if lagging:
        notes.append(f"replication lag {max(lags):.0f} s")
    return None


def probe(db: DatabaseURL, cfg: DatabaseCheckSettings, timeout: float) -> Probe:
    import sqlalchemy

    with server_connection(db, timeout) as conn:
        rtt = round_trip(conn)
        row = conn.execute(sqlalchemy.text(_FIGURES)).one()
        threads = conn.execute(sqlalchemy.text(
            "SHOW GLOBAL STATUS LIKE 'Threads_connected'")).one()[1]
        oldest_rows = _optional(conn, _OLDEST)
        name, version = product(str(row.version))
        # MariaDB: every connection of a multi-source replica, named ones included (plain
        # SHOW SLAVE STATUS shows only the unnamed one); MySQL lists every channel anyway.
        replica_rows = _optional(conn, "SHOW ALL SLAVES STATUS" if name == "MariaDB"
                                 else "SHOW REPLICA STATUS")
        if replica_rows is None:  # MySQL before 8.0.22
            replica_rows = _optional(conn, "SHOW SLAVE STATUS")
    connections, max_conn = int(threads), int(row.max_connections)
    observed: dict[str, Observed] = {
        "round_trip": ms(rtt),
        "server_version": Observed(version),
        "read_only": Observed(bool(row.read_only)),
        "connections": Observed(connections, "connections"),
        "max_connections": Observed(max_conn, "connections"),
        "connections_used": share(connections, max_conn, cfg.connections_warn),
        "database_size": Observed(int(row.size or 0), "bytes"),
    }
    notes: list[str] = []
    if oldest_rows:
        values = list(oldest_rows[0].values())
        oldest = float(values[0]) if values and values[0] is not None else 0.0
        old = oldest > cfg.max_transaction_age
        observed["oldest_transaction"] = Observed(oldest, "s", "warn" if old else None)
        if old:
            notes.append(f"a transaction has been open {oldest:.0f} s")
    role = "primary"
    link_error: str | None = None
    if replica_rows:
        role = "replica"
        link_error = _replication(replica_rows, cfg, observed, notes)
    if observed["connections_used"].status:
        notes.append(f"{connections}/{max_conn} connections in use")
    message = f"{name} {version} ({role}{', read-only' if row.read_only else ''})"
    hint = None
    if notes:
        message += ": " + ", ".join(notes)
        hint = ("look at SHOW PROCESSLIST / SHOW REPLICA STATUS; raise max_connections if "
                "connections run out")
    if link_error:
        hint = f"the replica's last error: {link_error}; see SHOW REPLICA STATUS"
    return Probe(message, observed, hint=hint)
