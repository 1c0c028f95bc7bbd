"""The catalogue of audit findings: one stable id per kind of problem, its section,
its usual severity, a title and the usual fix.

Ids never change meaning and are never reused: baselines, SARIF uploads and
dashboards refer to them.  ``docs/audit.md`` lists every one (a test checks it).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from pitstop.audit.settings import SectionName, Severity

if TYPE_CHECKING:
    from pitstop.audit.model import Finding


@dataclasses.dataclass(frozen=True)
class Rule:
    """One kind of finding."""

    id: str
    section: SectionName
    severity: Severity
    """The usual severity (a finding may say otherwise: an advisory's own rating, a
    rule open to the whole network …)."""
    title: str
    fix: str

    def finding(self, object: str, problem: str, *, fix: str | None = None,
                severity: Severity | None = None, key: str | None = None,
                also: tuple[str, ...] = (), path: str | None = None, line: int | None = None,
                details: Mapping[str, Any] | None = None) -> Finding:
        """A :class:`~pitstop.audit.model.Finding` of this kind."""
        from pitstop.audit.model import Finding

        return Finding(id=self.id, section=self.section, severity=severity or self.severity,
                       object=object, problem=problem, fix=fix or self.fix,
                       key=key or object, also=also, path=path, line=line,
                       details=dict(details or {}))


def _rules(*rules: Rule) -> dict[str, Rule]:
    return {rule.id: rule for rule in rules}


RULES: dict[str, Rule] = _rules(
    # -- secrets ----------------------------------------------------------------------
    Rule("PS-SEC-001", "secrets", "high", "Secret in a tracked file",
         "revoke and rotate the secret, then remove it from the code (and history); "
         "accept a false positive in the scan baseline or with a pitstop:allow comment"),
    # -- dependencies -----------------------------------------------------------------
    Rule("PS-DEP-001", "deps", "high", "Dependency with a published vulnerability",
         "upgrade to the first fixed version (or later)"),
    # -- PostgreSQL -------------------------------------------------------------------
    Rule("PS-DB-001", "database", "critical", "The application's role is a superuser",
         "connect as a role without SUPERUSER that owns only the application's objects: "
         "ALTER ROLE … NOSUPERUSER"),
    Rule("PS-DB-002", "database", "high", "The application's role can create roles",
         "ALTER ROLE … NOCREATEROLE; manage roles with an administrator's account"),
    Rule("PS-DB-003", "database", "high", "The application's role bypasses row-level security",
         "ALTER ROLE … NOBYPASSRLS"),
    Rule("PS-DB-004", "database", "medium", "The application's role owns the database",
         "make an administrator's role the owner: ALTER DATABASE … OWNER TO …, and grant "
         "the application what it uses"),
    Rule("PS-DB-005", "database", "medium", "The application's role owns schema public",
         "ALTER SCHEMA public OWNER TO pg_database_owner (PostgreSQL 15+) or to an "
         "administrator's role"),
    Rule("PS-DB-006", "database", "high",
         "The application's role can read or write the server's files or run programs",
         "REVOKE pg_read_server_files, pg_write_server_files, pg_execute_server_program "
         "FROM the role"),
    Rule("PS-DB-007", "database", "medium",
         "Every role may create objects in schema public",
         "REVOKE CREATE ON SCHEMA public FROM PUBLIC (the default from PostgreSQL 15 on)"),
    Rule("PS-DB-008", "database", "high", "pg_hba.conf lets clients in without a password",
         "replace trust with scram-sha-256 in pg_hba.conf, then reload the server"),
    Rule("PS-DB-009", "database", "medium", "pg_hba.conf accepts clear-text passwords",
         "replace password with scram-sha-256 in pg_hba.conf, then reload the server"),
    Rule("PS-DB-010", "database", "high",
         "The connection to a remote database server is not encrypted",
         "turn ssl on in the server and add ?sslmode=verify-full (or require) to the URL"),
    Rule("PS-DB-011", "database", "medium", "New passwords are stored as MD5 hashes",
         "set password_encryption = 'scram-sha-256', then set each role's password again"),
    Rule("PS-DB-012", "database", "medium", "Statement logging would capture secrets",
         "set log_statement = 'none' and log_min_duration_statement to -1 or a threshold "
         "above normal queries"),
    Rule("PS-DB-013", "database", "low", "The application's role can create databases",
         "ALTER ROLE … NOCREATEDB"),
    # -- MySQL / MariaDB --------------------------------------------------------------
    Rule("PS-DB-101", "database", "high", "Anonymous account",
         "DROP USER ''@'host' for each anonymous account"),
    Rule("PS-DB-102", "database", "high", "Account without a password",
         "give it a password (ALTER USER … IDENTIFIED BY …), or lock or drop it"),
    Rule("PS-DB-103", "database", "high", "root can log in from any host",
         "limit root to localhost: RENAME USER 'root'@'%' TO 'root'@'localhost' (or drop it)"),
    Rule("PS-DB-104", "database", "medium", "LOAD DATA LOCAL INFILE is enabled",
         "set local_infile = OFF in the server's configuration"),
    Rule("PS-DB-105", "database", "high",
         "A remote database server accepts unencrypted connections",
         "set require_secure_transport = ON and add ssl settings to the URL"),
    Rule("PS-DB-106", "database", "critical",
         "The application's account holds ALL PRIVILEGES or SUPER on every database",
         "connect as an account granted only what the application uses on its own database"),
    Rule("PS-DB-107", "database", "high",
         "The application's account can read and write the server's files (FILE)",
         "REVOKE FILE ON *.* FROM the account"),
    # -- Redis ------------------------------------------------------------------------
    Rule("PS-REDIS-001", "redis", "high", "Redis accepts clients without authentication",
         "set requirepass, or give the default user a password or turn it off (ACL SETUSER "
         "default off) and connect as an ACL user"),
    Rule("PS-REDIS-002", "redis", "high",
         "Redis is bound beyond loopback with protected mode off",
         "bind it to the interfaces the application uses and turn protected-mode on, or "
         "require authentication"),
    Rule("PS-REDIS-003", "redis", "medium",
         "The application's Redis user may run dangerous commands",
         "connect as an ACL user without them: ACL SETUSER app … -@dangerous"),
    Rule("PS-REDIS-004", "redis", "high", "The connection to a remote Redis is not encrypted",
         "enable tls-port on the server and use a rediss:// URL"),
    # -- files ------------------------------------------------------------------------
    Rule("PS-FILE-001", "files", "high", "Secret file readable by group or others",
         "chmod 600 the file"),
    Rule("PS-FILE-002", "files", "high",
         "pitstop.toml holds secrets and is readable by group or others",
         "chmod 600 pitstop.toml, or move the secrets to the environment (DATABASE_URL …)"),
    Rule("PS-FILE-003", "files", "high", "Backup readable by group or others",
         "chmod 600 the backup files (and 700 their directory)"),
    Rule("PS-FILE-004", "files", "medium", "pitstop's state directory is open to group or others",
         "chmod 700 .pitstop"),
    Rule("PS-FILE-005", "files", "high", "A committed .env file holds secrets",
         "git rm --cached the file, add it to .gitignore, rotate the secrets it held and "
         "commit an .env.example with placeholders instead"),
    Rule("PS-FILE-006", "files", "high", "Debug mode is on in production",
         "turn debug off in production (DEBUG=false)"),
    Rule("PS-FILE-007", "files", "medium",
         "The environment says production but another setting says otherwise",
         "make every environment variable of the application agree with ENVIRONMENT"),
)
"""Every finding id, in the order the documentation lists them."""


def rule(rule_id: str) -> Rule:
    return RULES[rule_id]
