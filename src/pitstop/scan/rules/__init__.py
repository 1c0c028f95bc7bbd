"""The built-in rules: one module per kind of provider, each a ``RULES`` tuple.

Every rule carries examples that must match and look-alikes that must not; the
test-suite runs all of them.  :func:`builtin_rules` returns them in a stable order,
:func:`default_allowlists` the global allowlists that come with them.
"""

from __future__ import annotations

import functools
import importlib

from pitstop.scan.rule import Allowlist, Rule

MODULES = ("cloud", "infra", "vcs", "devtools", "ai", "chat", "payment", "messaging",
           "monitoring", "saas", "services", "keys", "database", "generic")


@functools.cache
def builtin_rules() -> tuple[Rule, ...]:
    """Every built-in rule (over 300 token formats)."""
    rules: list[Rule] = []
    for name in MODULES:
        module = importlib.import_module(f"pitstop.scan.rules.{name}")
        rules.extend(module.RULES)
    return tuple(rules)


def default_allowlists() -> tuple[Allowlist, ...]:
    """Paths that hold digests, not secrets (lock files, baselines, minified maps)."""
    return (
        Allowlist(
            description="lock files, checksums and scanner baselines",
            paths=(
                r"(?:^|/)(?:package-lock\.json|yarn\.lock|pnpm-lock\.yaml|poetry\.lock|"
                r"Pipfile\.lock|uv\.lock|Cargo\.lock|go\.sum|composer\.lock|Gemfile\.lock|"
                r"\.pitstop-secrets\.json|\.secrets\.baseline|gitleaks-report\.json)$",
                r"\.(?:map|sum|sha256|sha512)$",
            ),
        ),
        Allowlist(
            description="pitstop's own rule catalogue, whose examples look like secrets",
            paths=(r"(?:^|/)pitstop/scan/rules/[a-z_]+\.py$",),
        ),
    )
