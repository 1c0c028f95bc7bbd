"""The ``scan`` capability, declared once (see :mod:`pitstop.capability`).

Report formats are extensions: a plugin adds one with a ``pitstop.reporters`` entry
point naming ``render(report, redact) -> str``."""

from __future__ import annotations

from pitstop.capability import Capability, Command, Extension, Section, Task, Verb

CAPABILITY = Capability(
    name="scan",
    summary="Secret scanning of the tree, the staged diff, history or standard input.",
    docs="docs/scan.md",
    sections=(Section("scan", "pitstop.scan.settings:ScanSettings"),),
    commands=(Command("scan", "pitstop.cli.scan_cmd:scan",
                      "Scan files, the staged diff or history for secrets."),),
    verbs=(
        Verb("secrets", "pitstop.scan:secrets", "Scan for secrets."),
        Verb("rules", "pitstop.scan:list_rules", "The built-in rules.", recorded=False),
    ),
    reporters=(
        Extension("text", "pitstop.scan.reporters.text:render"),
        Extension("json", "pitstop.scan.reporters.json_report:render"),
        Extension("sarif", "pitstop.scan.reporters.sarif:render"),
        Extension("junit", "pitstop.scan.reporters.junit:render"),
    ),
    tasks=(Task("scan-secrets", "pitstop.scan.tasks:scan_secrets_task",
                "Scan the repository for secrets.", "read", verb="scan secrets"),),
)
