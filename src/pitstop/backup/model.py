"""Frozen result objects returned by :mod:`pitstop.backup`.

A :class:`Backup` is the manifest of one stored backup; it round-trips through JSON
(``to_json`` / ``from_json``) and is what ``backup list --json`` prints.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pitstop.capability import Progress as Progress  # the one progress seam, re-exported

MANIFEST_VERSION = 1

KIND_BACKUP = "backup"
KIND_SAFETY = "safety"
"""``Backup.kind``: a backup someone asked for, or the safety backup ``restore`` takes of
its target before replacing it (never what ``latest`` names)."""
_SAFETY_LABEL = "safety before restoring "  # how manifests without a kind told it


@dataclasses.dataclass(frozen=True)
class Backup:
    """The manifest of one backup (stored as ``<id>.json`` next to the dump)."""

    id: str
    created_at: datetime
    database: str  # "sqlite" | "postgresql" | "mysql"
    source: str  # URL with the password masked
    file: str  # file name of the dump in the store
    compression: str
    server_version: str | None
    tool: str
    tool_version: str | None
    size_raw: int
    size: int  # bytes stored (compressed)
    sha256: str
    migration_head: str | None = None
    label: str | None = None
    pitstop_version: str = ""
    verified_at: datetime | None = None
    duration_seconds: float = 0.0
    kind: str = KIND_BACKUP

    @property
    def is_safety(self) -> bool:
        return self.kind == KIND_SAFETY

    def to_json(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["created_at"] = self.created_at.isoformat()
        data["verified_at"] = self.verified_at.isoformat() if self.verified_at else None
        data["manifest_version"] = MANIFEST_VERSION
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Backup:
        names = {f.name for f in dataclasses.fields(cls)}
        values = {k: v for k, v in data.items() if k in names}
        values["created_at"] = datetime.fromisoformat(str(data["created_at"]))
        verified = data.get("verified_at")
        values["verified_at"] = datetime.fromisoformat(str(verified)) if verified else None
        if "kind" not in data:  # written before kinds existed: the label told
            label = str(data.get("label") or "")
            values["kind"] = KIND_SAFETY if label.startswith(_SAFETY_LABEL) else KIND_BACKUP
        return cls(**values)


@dataclasses.dataclass(frozen=True)
class VerifyResult:
    """What ``verify_backup`` found.  ``ok`` is False when a check failed."""

    backup: Backup
    ok: bool
    checksum_ok: bool
    restored: bool
    tables: int = 0
    rows: int = 0
    integrity: str = ""
    problems: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"id": self.backup.id, "ok": self.ok, "checksum_ok": self.checksum_ok,
                "restored": self.restored, "tables": self.tables, "rows": self.rows,
                "integrity": self.integrity, "problems": list(self.problems)}


@dataclasses.dataclass(frozen=True)
class RestoreResult:
    backup: Backup
    target: str  # masked URL
    safety_backup: Backup | None
    tables: int
    rows: int
    duration_seconds: float

    def to_json(self) -> dict[str, Any]:
        return {"id": self.backup.id, "target": self.target,
                "safety_backup": self.safety_backup.id if self.safety_backup else None,
                "tables": self.tables, "rows": self.rows,
                "duration_seconds": round(self.duration_seconds, 3)}


@dataclasses.dataclass(frozen=True)
class KeepDecision:
    """One item's fate under a retention policy: the rules that kept it, or why it goes."""

    id: str
    created_at: datetime
    keep: bool
    reasons: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "created_at": self.created_at.isoformat(), "keep": self.keep,
                "reasons": list(self.reasons)}


@dataclasses.dataclass(frozen=True)
class PruneResult:
    decisions: tuple[KeepDecision, ...]
    removed: tuple[str, ...]
    dry_run: bool
    freed_bytes: int = 0
    blobs_removed: int = 0

    @property
    def kept(self) -> tuple[str, ...]:
        return tuple(d.id for d in self.decisions if d.keep)

    def to_json(self) -> dict[str, Any]:
        return {"dry_run": self.dry_run, "decisions": [d.to_json() for d in self.decisions],
                "removed": list(self.removed), "kept": list(self.kept),
                "freed_bytes": self.freed_bytes, "blobs_removed": self.blobs_removed}
