"""The ``audit`` capability, declared once (see :mod:`pitstop.capability`)."""

from __future__ import annotations

from pitstop.capability import Capability, Command, Section, Task, Verb

CAPABILITY = Capability(
    name="audit",
    summary="Leaked secrets, vulnerable dependencies, risky database, Redis and file "
            "settings, in one report.",
    docs="docs/audit.md",
    sections=(Section("audit", "pitstop.audit.settings:AuditSettings"),),
    commands=(Command("audit", "pitstop.cli.audit_cmd:audit",
                      "Audit secrets, dependencies, database, Redis and file modes."),),
    verbs=(Verb("run", "pitstop.audit.runner:run_audit",
                "Audit the project and apply the baseline.", command=("audit",)),),
    tasks=(Task("audit", "pitstop.audit.tasks:audit_task",
                "Audit secrets, dependencies, database, Redis and file modes.", "read",
                verb="audit run"),),
)
