"""MySQL and MariaDB: the application's grants, the server's accounts when readable
(anonymous ones, ones without a password, root from anywhere), ``local_infile``,
``require_secure_transport`` and TLS of the connection.  Reads only, in a read-only
session.

MariaDB 10.4+ keeps accounts in ``mysql.global_priv`` (JSON, with alternative
authentication methods: ``unix_socket OR mysql_native_password``); MySQL and older
MariaDB in ``mysql.user``.  An account has no password when one of the ways it may
log in is a password plugin with an empty hash.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from pitstop.audit.database import Collected
from pitstop.audit.rules import RULES

PASSWORD_PLUGINS = {"", "mysql_native_password", "mysql_old_password", "ed25519", "parsec",
                    "caching_sha2_password", "sha256_password"}
_GRANT = re.compile(r"^GRANT (?P<privileges>.+?) ON (?P<on>\S+) TO (?P<to>`[^`]*`(?:@`[^`]*`)?)",
                    re.IGNORECASE)
_ROLE_GRANT = re.compile(r"^GRANT (?P<roles>`[^`]+`(?:@`[^`]*`)?(?:\s*,\s*`[^`]+`(?:@`[^`]*`)?)*)"
                         r" TO ", re.IGNORECASE)


def _value(cur: Any, sql: str) -> Any:
    cur.execute(sql)
    row = cur.fetchone()
    return row[0] if row else None


def _global_privileges(lines: list[str]) -> dict[str, str | None]:
    """Each privilege ``ON *.*`` the lines grant, and the role it is granted to (None:
    the account itself)."""
    privileges: dict[str, str | None] = {}
    for line in lines:
        match = _GRANT.match(line)
        if match and match["on"].replace("`", "") == "*.*":
            grantee = match["to"]
            role = None if "@" in grantee else grantee.strip("`")
            for privilege in match["privileges"].split(","):
                name = privilege.strip().upper()
                if privileges.get(name, "") is not None:  # the account's own grant wins
                    privileges[name] = role
    return privileges


def _roles_in(lines: list[str]) -> list[str]:
    """The roles ``GRANT `role` TO …`` lines give (quoted as SQL identifiers)."""
    roles: list[str] = []
    for line in lines:
        match = _ROLE_GRANT.match(line)
        if match:
            roles += [r.strip() for r in match["roles"].split(",")]
    return roles


def _show_grants(cur: Any, sql: str = "SHOW GRANTS") -> list[str]:
    cur.execute(sql)
    return [str(line) for (line, *_rest) in cur.fetchall()]


def _role_grant_lines(cur: Any, roles: list[str]) -> list[str]:
    """The grant lines of each granted role and the roles it holds: what the account
    has the moment it runs ``SET ROLE`` — MySQL through ``SHOW GRANTS … USING``,
    MariaDB by activating the role for this session only (no setting is changed),
    then the session's role is put back."""
    import pymysql

    found: list[str] = []
    role_now = _value(cur, "SELECT CURRENT_ROLE()") if roles else None
    current = "" if role_now is None else _text(role_now)
    pending, seen = list(roles), set[str]()
    try:
        while pending:
            role = pending.pop(0)
            if role in seen:
                continue
            seen.add(role)
            try:
                lines = _show_grants(cur, f"SHOW GRANTS FOR CURRENT_USER() USING {role}")
            except pymysql.err.MySQLError:
                try:
                    cur.execute(f"SET ROLE {role}")
                    lines = _show_grants(cur)
                except pymysql.err.MySQLError:
                    continue  # a role it cannot activate brings nothing
            found += lines
            pending += [r for r in _roles_in(lines) if r not in seen]
    finally:
        if roles:
            active = current if current and current.upper() not in ("NULL", "NONE") else ""
            try:
                cur.execute(f"SET ROLE `{active.replace('`', '``')}`" if active
                            else "SET ROLE NONE")
            except pymysql.err.MySQLError:
                pass
    return found


def _grants(cur: Any, account: str, found: Collected) -> None:
    lines = _show_grants(cur)
    lines += _role_grant_lines(cur, _roles_in(lines))
    privileges = _global_privileges(lines)

    def through(*names: str) -> str:
        roles = sorted({role for n in names if (role := privileges.get(n))})
        held_directly = any(n in privileges and privileges[n] is None for n in names)
        return f" (through role {', '.join(roles)})" if roles and not held_directly else ""

    obj = f"account {account}"
    if privileges.keys() & {"ALL", "ALL PRIVILEGES"}:
        found.findings.append(RULES["PS-DB-106"].finding(
            obj, "holds ALL PRIVILEGES ON *.*" + through("ALL", "ALL PRIVILEGES")
                 + ": it can read and change every database, manage accounts and the "
                   "server", key=obj))
        return
    if "SUPER" in privileges:
        found.findings.append(RULES["PS-DB-106"].finding(
            obj, "holds SUPER" + through("SUPER") + ": it can change global settings, kill "
                 "sessions and bypass read_only", key=obj, severity="high"))
    if "FILE" in privileges:
        found.findings.append(RULES["PS-DB-107"].finding(
            obj, "holds FILE" + through("FILE") + ": it can read and write files on the "
                 "server's host", key=obj))


def _ways_in(priv: dict[str, Any]) -> list[tuple[str, str]]:
    """``(plugin, hash)`` of each way a MariaDB account may log in (``auth_or``'s
    empty entry stands for the top-level one)."""
    top = (str(priv.get("plugin", "")), str(priv.get("authentication_string", "")))
    alternatives = priv.get("auth_or")
    if not isinstance(alternatives, list) or not alternatives:
        return [top]
    return [top if not alt else (str(alt.get("plugin", "")),
                                 str(alt.get("authentication_string", "")))
            for alt in alternatives if isinstance(alt, dict)]


def _accounts(cur: Any, mariadb: bool) -> Iterator[tuple[str, str, list[tuple[str, str]]]]:
    """``(user, host, ways in)`` of every account that can log in (roles and locked
    accounts left out)."""
    if mariadb:
        import pymysql

        try:
            cur.execute("SELECT User, Host, Priv FROM mysql.global_priv")
        except pymysql.err.ProgrammingError:  # MariaDB before 10.4: mysql.user below
            pass
        else:
            for user, host, priv in cur.fetchall():
                data = json.loads(priv) if isinstance(priv, str | bytes) else {}
                if data.get("account_locked") or data.get("is_role"):
                    continue
                yield _text(user), _text(host), _ways_in(data)
            return
    cur.execute("SELECT * FROM mysql.user")
    columns = [c[0].lower() for c in cur.description]
    for values in cur.fetchall():
        row = dict(zip(columns, values, strict=True))
        if _text(row.get("account_locked", "N")).upper() == "Y" \
                or _text(row.get("is_role", "N")).upper() == "Y":
            continue
        secret = _text(row.get("authentication_string") or row.get("password") or "")
        yield _text(row["user"]), _text(row["host"]), [(_text(row.get("plugin") or ""), secret)]


def _text(value: Any) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _account_findings(cur: Any, mariadb: bool, found: Collected) -> None:
    import pymysql

    try:
        accounts = list(_accounts(cur, mariadb))
    except pymysql.err.MySQLError as exc:
        reason = exc.args[1] if len(exc.args) > 1 else str(exc)
        found.notes.append(f"accounts not checked: the application's account cannot read "
                           f"mysql.user ({reason}), as it should not")
        return
    found.checked.append(f"{len(accounts)} accounts")
    for user, host, ways in accounts:
        obj = f"account '{user}'@'{host}'"
        anywhere = host in ("%", "") or "%" in host
        if user == "":
            found.findings.append(RULES["PS-DB-101"].finding(
                obj, "an anonymous account: anyone may log in with any user name"
                     + (" from any host" if anywhere else "")))
        elif any(plugin in PASSWORD_PLUGINS and not secret for plugin, secret in ways):
            found.findings.append(RULES["PS-DB-102"].finding(
                obj, "has no password" + (" and may log in from any host" if anywhere else ""),
                severity="critical" if anywhere or user == "root" else "high"))
        if user == "root" and anywhere:
            found.findings.append(RULES["PS-DB-103"].finding(
                obj, "root may log in from any host"))


def audit_mysql(conn: Any, db: Any, remote: bool) -> Collected:
    """Audit the account ``conn`` is logged in as and the server's settings."""
    import pymysql

    found = Collected()
    with conn.cursor() as cur:
        cur.execute("SET SESSION TRANSACTION READ ONLY")
        version = _text(_value(cur, "SELECT VERSION()"))
        account = _text(_value(cur, "SELECT CURRENT_USER()"))
        user, _, host = account.rpartition("@")
        shown = f"'{user}'@'{host}'"
        mariadb = "mariadb" in version.lower()
        found.checked.append(f"{'MariaDB' if mariadb else 'MySQL'} {version}, as account {shown}")
        _grants(cur, shown, found)
        server = f"server {db.host}"
        if str(_value(cur, "SELECT @@GLOBAL.local_infile")) in ("1", "ON"):
            found.findings.append(RULES["PS-DB-104"].finding(
                server, "local_infile = ON: a client (or SQL injection through one) can make "
                        "the server read files from the client's machine"))
        if remote:
            try:
                secure = str(_value(cur, "SELECT @@GLOBAL.require_secure_transport"))
            except pymysql.err.MySQLError:
                secure = "unknown"  # servers without the variable (MariaDB < 10.5.2)
            cur.execute("SHOW SESSION STATUS LIKE 'Ssl_cipher'")
            row = cur.fetchone()
            encrypted = bool(row and row[1])
            if secure in ("0", "OFF") or (secure == "unknown" and not encrypted):
                own = ("and the application's own connection is not encrypted either"
                       if not encrypted else "(the application's own connection is)")
                found.findings.append(RULES["PS-DB-105"].finding(
                    server, "the server does not require TLS (require_secure_transport is not "
                            f"ON) {own}"))
        _account_findings(cur, mariadb, found)
    conn.rollback()
    return found
