"""``pitstop release``: next version, annotated tag, changelog."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, cast

import click

from pitstop.cli.common import AppContext, json_option, pass_app
from pitstop.errors import EXIT_ERROR, EXIT_OK
from pitstop.output import echo, emit_json, info

if TYPE_CHECKING:
    from pitstop.release.verbs import LevelChoice
    from pitstop.release.version import PreLabel

_LEVEL = click.option(
    "--level", type=click.Choice(["major", "minor", "patch", "auto"]), default="auto",
    show_default=True,
    help="Bump this part, or 'auto' to decide from Conventional Commits since the last tag.",
)
_PRE = click.option("--pre", type=click.Choice(["alpha", "beta", "rc"]), default=None,
                    help="Make a pre-release (1.3.0-rc.1; again → rc.2).")


@click.group()
def release() -> None:
    """Compute the next version, tag it, write the changelog.

    Versions come from the newest tag matching [release] tag_format (default
    v{version}) that HEAD contains; with --level auto, Conventional Commits since
    that tag decide the bump (feat → minor, fix/perf → patch, ! or BREAKING CHANGE →
    major; 0.x rules in [release]).
    """


@release.command("next")
@_LEVEL
@_PRE
@json_option
@pass_app
def next_cmd(app: AppContext, level: str, pre: str | None, as_json: bool) -> int:
    """Print the next version (stdout) and how it was decided (stderr).

    Exit 0; 2 when git is missing; 3 outside a git repository.
    """
    from pitstop.release import next_version

    result = next_version(app.settings(), level=cast("LevelChoice", level),
                          pre=cast("PreLabel | None", pre))
    if as_json:
        emit_json(result.to_dict())
        return EXIT_OK
    echo(result.version)
    base = f"from {result.previous_tag}" if result.previous_tag else "no release tag yet"
    info(f"{result.tag}: {base}, {result.commits} commit(s) since, level {result.level}"
         + (f", {result.ignored_tags} other tag(s) ignored" if result.ignored_tags else ""))
    if result.nothing_to_release:
        info("nothing to release: no changes since the last tag")
    return EXIT_OK


@release.command("tag")
@_LEVEL
@_PRE
@click.option("--dry-run", is_flag=True, default=None,
              help="Show the tag and its message, change nothing, exit 10 [env DRY_RUN].")
@click.option("--push", is_flag=True, help="Push the new tag (only that tag) to [release] remote.")
@click.option("--sign/--no-sign", default=None, help="GPG-sign the tag [release] sign.")
@click.option("--message", "-m", default=None, metavar="TEXT",
              help="Tag message instead of the changelog section.")
@click.option("--allow-dirty", is_flag=True, help="Tag even with uncommitted changes.")
@click.option("--strict", is_flag=True, help="Exit 1 when there is nothing to release.")
@json_option
@pass_app
def tag_cmd(app: AppContext, level: str, pre: str | None, dry_run: bool | None, push: bool,
            sign: bool | None, message: str | None, allow_dirty: bool, strict: bool,
            as_json: bool) -> int:
    """Create an annotated tag for the next version on HEAD.

    Refuses a dirty tree, a detached HEAD, a shallow clone and an existing tag.
    Exit 0 created (or nothing to release) · 1 refused/failed or nothing to release
    with --strict · 2 git missing · 3 not a repository · 10 dry run.
    """
    from pitstop.release import tag

    result = tag(app.settings(), level=cast("LevelChoice", level),
                 pre=cast("PreLabel | None", pre), dry_run=dry_run, push=push,
                 sign=sign, message=message, allow_dirty=allow_dirty)
    if as_json:
        emit_json(result.to_dict())
    elif result.status == "skipped":
        info(f"nothing to release: {result.reason}")
    elif result.status == "dry-run":
        echo(f"would create tag {result.tag} (version {result.version}) on {result.commit[:12]}")
        for action in result.actions:
            echo(f"  $ {action}")
        echo("message:")
        echo("\n".join(f"  {line}".rstrip() for line in result.message.rstrip().splitlines()))
    else:
        echo(result.tag)
        info(f"created tag {result.tag} on {result.commit[:12]}"
             + (f" and pushed it to {result.remote}" if result.pushed else ""))
    if result.status == "skipped":
        return EXIT_ERROR if strict else EXIT_OK
    return result.exit_code


@release.command("changelog")
@click.option("--since", default=None, metavar="TAG",
              help="Start after this tag instead of the newest release tag.")
@click.option("--write", "write", default=None, is_flag=False, flag_value="",
              metavar="FILE", help="Write the section into FILE (default [release] "
              "changelog_file, CHANGELOG.md); rewriting the same version replaces it.")
@click.option("--version", "version", default=None, metavar="X.Y.Z",
              help="Heading version instead of the computed next version.")
@_LEVEL
@_PRE
@json_option
@pass_app
def changelog_cmd(app: AppContext, since: str | None, write: str | None, version: str | None,
                  level: str, pre: str | None, as_json: bool) -> int:
    """Print (or write) the changelog section for the commits since the last tag,
    grouped as Breaking changes, Features, Fixes, Performance and Other.

    Exit 0; 2 git missing; 3 not a repository or unknown --since tag.
    """
    from pitstop.release import changelog

    # a FILE given on the command line is relative to where the command runs; without
    # one, the verb writes [release] changelog_file (relative to the project)
    target: Path | bool | None = None
    if write is not None:
        target = (app.cwd / write) if write else True
    result = changelog(app.settings(), since=since, write=target,
                       level=cast("LevelChoice", level), pre=cast("PreLabel | None", pre),
                       version=version)
    if as_json:
        emit_json(result.to_dict())
        return EXIT_OK
    if not result.commits:
        since = result.since or "the start of the history"
        info(f"no commits since {since}: nothing to {'write' if target else 'list'}"
             + (f"; for the notes of {since} itself, pass --since with the tag before it"
                if result.since else ""))
        if target is None:
            echo(result.text.rstrip())
    elif target is None:
        echo(result.text.rstrip())
    elif result.changed:
        info(f"wrote {result.version} to {result.path}")
    else:
        info(f"{result.path} already up to date")
    return EXIT_OK
