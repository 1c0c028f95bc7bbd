"""The ``release`` capability, declared once (see :mod:`pitstop.capability`)."""

from __future__ import annotations

from pitstop.capability import Capability, Command, Section, Verb

CAPABILITY = Capability(
    name="release",
    summary="Next version from Conventional Commits, annotated tags, changelog.",
    docs="docs/release.md",
    sections=(Section("release", "pitstop.release.settings:ReleaseSettings"),),
    commands=(Command("release", "pitstop.cli.release_cmd:release",
                      "Compute the next version, tag it, write the changelog."),),
    verbs=(
        Verb("next", "pitstop.release:next_version", "The next version and why."),
        Verb("tag", "pitstop.release:tag", "Tag the next version.", "write"),
        Verb("changelog", "pitstop.release:changelog", "The changelog section.", "write"),
    ),
)
