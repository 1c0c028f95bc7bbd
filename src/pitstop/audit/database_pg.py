"""PostgreSQL: the application's role (attributes, memberships, what it owns), schema
``public``, ``pg_hba.conf`` rules when readable, TLS of the connection and the
settings that weaken passwords or log them.  Catalog reads only, in a read-only
session."""

from __future__ import annotations

import ipaddress
from typing import Any

from pitstop.audit.database import Collected, is_loopback
from pitstop.audit.rules import RULES

FILE_ROLES = ("pg_read_server_files", "pg_write_server_files", "pg_execute_server_program")
SETTINGS = ("ssl", "password_encryption", "log_statement", "log_min_duration_statement")


def _one(cur: Any, sql: str, params: tuple[Any, ...] = ()) -> Any:
    cur.execute(sql, params)
    return cur.fetchone()


def _role(cur: Any, found: Collected) -> tuple[str, bool]:
    user, superuser, createrole, createdb, bypassrls, version, database = _one(
        cur, "SELECT r.rolname, r.rolsuper, r.rolcreaterole, r.rolcreatedb, r.rolbypassrls, "
             "current_setting('server_version'), current_database() "
             "FROM pg_roles r WHERE r.rolname = current_user")
    found.checked.append(f"PostgreSQL {version}, database {database}, as role {user}")
    role = f"role {user}"
    if superuser:
        found.findings.append(RULES["PS-DB-001"].finding(
            role, "the application connects as a superuser: it can read and change every "
                  "database, run programs on the server and turn off every check",
            key=role))
    else:
        cur.execute("SELECT rolname FROM pg_roles WHERE rolsuper AND rolname <> current_user "
                    "AND pg_has_role(current_user, oid, 'MEMBER') ORDER BY rolname")
        supers = [r[0] for r in cur.fetchall()]
        if supers:
            found.findings.append(RULES["PS-DB-001"].finding(
                role, f"member of superuser role {', '.join(supers)}: SET ROLE gives it "
                      "every right", key=role))
        cur.execute("SELECT rolname FROM pg_roles WHERE rolname = ANY(%s) "
                    "AND pg_has_role(current_user, oid, 'MEMBER') ORDER BY rolname",
                    (list(FILE_ROLES),))
        granted = [r[0] for r in cur.fetchall()]
        if granted:
            found.findings.append(RULES["PS-DB-006"].finding(
                role, f"member of {', '.join(granted)}", key=role))
    for flag, rule_id, what in ((createrole, "PS-DB-002", "has CREATEROLE: it can create "
                                 "roles and grant itself theirs"),
                                (bypassrls, "PS-DB-003", "has BYPASSRLS: row-level security "
                                 "policies do not apply to it"),
                                (createdb, "PS-DB-013", "has CREATEDB")):
        if flag and not superuser:
            found.findings.append(RULES[rule_id].finding(role, what, key=role))
    return user, bool(superuser)


def _ownership(cur: Any, user: str, found: Collected) -> None:
    owner, database = _one(cur, "SELECT pg_get_userbyid(datdba), datname FROM pg_database "
                                "WHERE datname = current_database()")
    if owner == user:
        found.findings.append(RULES["PS-DB-004"].finding(
            f"database {database}", f"owned by the application's role {user}: it can change "
                                    "the database's settings, grant its rights and drop it"))
    row = _one(cur, "SELECT pg_get_userbyid(nspowner), EXISTS (SELECT 1 FROM "
                    "aclexplode(coalesce(nspacl, acldefault('n', nspowner))) a "
                    "WHERE a.grantee = 0 AND a.privilege_type = 'CREATE') "
                    "FROM pg_namespace WHERE nspname = 'public'")
    if row is None:
        return
    schema_owner, public_create = row
    if schema_owner == user:
        found.findings.append(RULES["PS-DB-005"].finding(
            "schema public", f"owned by the application's role {user}"))
    if public_create:
        found.findings.append(RULES["PS-DB-007"].finding(
            "schema public", "CREATE is granted to PUBLIC: any role can create objects there "
                             "(functions that shadow built-ins included)"))


def _settings(cur: Any, db: Any, remote: bool, found: Collected) -> None:
    cur.execute("SELECT name, setting FROM pg_settings WHERE name = ANY(%s)", (list(SETTINGS),))
    values = dict(cur.fetchall())
    server = f"server {db.host}"
    encryption = values.get("password_encryption")
    if encryption in ("md5", "on"):
        found.findings.append(RULES["PS-DB-011"].finding(
            server, f"password_encryption = {encryption}: new passwords are stored as MD5 "
                    "hashes, which leak easily"))
    logged = []
    if values.get("log_statement") in ("ddl", "mod", "all"):
        logged.append(f"log_statement = {values['log_statement']} (ALTER ROLE … PASSWORD "
                      "included)")
    if values.get("log_min_duration_statement") == "0":
        logged.append("log_min_duration_statement = 0 (every statement)")
    if logged:
        found.findings.append(RULES["PS-DB-012"].finding(
            server, f"{'; '.join(logged)}: passwords and tokens in statements end up in the "
                    "server's log"))
    if remote:
        row = _one(cur, "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
        if not (row and row[0]):
            off = " and the server has ssl = off" if values.get("ssl") == "off" else ""
            found.findings.append(RULES["PS-DB-010"].finding(
                server, f"the application's connection is not encrypted{off}: passwords and "
                        "data cross the network in clear"))


def _remote_address(address: str | None, netmask: str | None, kind: str) -> bool:
    if kind == "local" or address in ("samehost", "localhost"):
        return False
    if not address or address in ("all", "samenet"):
        return True
    try:
        network = ipaddress.ip_network(f"{address}/{netmask}" if netmask else address,
                                       strict=False)
    except ValueError:
        return not is_loopback(address)  # a host name
    return not network.is_loopback


def _hba(cur: Any, conn: Any, found: Collected) -> None:
    import psycopg

    try:
        cur.execute("SELECT line_number, type, database, user_name, address, netmask, "
                    "auth_method FROM pg_hba_file_rules WHERE error IS NULL ORDER BY line_number")
        rules = cur.fetchall()
    except psycopg.errors.InsufficientPrivilege:
        found.notes.append("pg_hba.conf rules not checked: pg_hba_file_rules is readable by "
                           "superusers only (as it should be for the application's role)")
        return
    found.checked.append(f"{len(rules)} pg_hba.conf rules")
    for line, kind, databases, users, address, netmask, method in rules:
        if method not in ("trust", "password"):
            continue
        remote = _remote_address(address, netmask, kind)
        where = "local socket" if kind == "local" else (address or "any address")
        text = (f"{kind} {','.join(databases or [])} {','.join(users or [])} "
                f"{where} {method}").replace("  ", " ")
        obj = f"pg_hba.conf line {line}"
        if method == "trust":
            found.findings.append(RULES["PS-DB-008"].finding(
                obj, f"{text}: "
                     + ("anyone who reaches the server logs in as any of these roles, "
                        "without a password" if remote else
                        "any local user logs in as any of these roles without a password"),
                severity="critical" if remote else "medium", key=f"pg_hba {text}",
                details={"line": line}))
        else:
            found.findings.append(RULES["PS-DB-009"].finding(
                obj, f"{text}: passwords are sent in clear text", key=f"pg_hba {text}",
                severity="high" if remote and kind != "hostssl" else "medium",
                details={"line": line}))


def audit_postgresql(conn: Any, db: Any, remote: bool) -> Collected:
    """Audit the role ``conn`` is logged in as and the server's settings."""
    found = Collected()
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("SET default_transaction_read_only = on")
        user, _superuser = _role(cur, found)
        _ownership(cur, user, found)
        _settings(cur, db, remote, found)
        _hba(cur, conn, found)
    return found
