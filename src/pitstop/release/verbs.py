"""The release verbs: :func:`next_version`, :func:`tag` and :func:`changelog`.

Each has the one verb shape ``verb(settings, *, progress=None, **options)``: the
repository is ``settings.project_dir`` (any directory inside the work tree), the
``[release]`` section comes from ``settings.section(ReleaseSettings)`` and git runs in
``settings.environ``.  Each returns a frozen :class:`~pitstop.capability.Result`.
"Nothing to release" and a dry run are results, not errors.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, Literal

from pitstop.capability import Progress, Result, recorded
from pitstop.errors import EXIT_DRY_RUN, ReleaseError, UsageError
from pitstop.release.commits import BumpLevel, Commit, LevelRules, decide_level
from pitstop.release.git import Git, GitError, open_repository
from pitstop.release.history import (
    HeadState,
    ReleaseTag,
    TagFormat,
    commits_since,
    count_commits,
    dirty_files,
    head_state,
    read_revision,
    release_tags,
    tag_exists,
)
from pitstop.release.notes import (
    ChangelogGroup,
    group_commits,
    render_message,
    render_section,
    write_section,
)
from pitstop.release.settings import ReleaseSettings
from pitstop.release.version import PreLabel, Version, bump, parse_or_none

if TYPE_CHECKING:
    from pitstop.config import Settings

log = logging.getLogger("pitstop.release")

LevelChoice = Literal["major", "minor", "patch", "auto"]
_SHALLOW_HINT = "run `git fetch --unshallow --tags` (in CI: fetch-depth: 0) and retry"


@dataclasses.dataclass(frozen=True)
class NextVersion(Result):
    """The version the next release gets, and why."""

    version: str
    tag: str
    level: BumpLevel | Literal["initial"]
    previous: str | None
    previous_tag: str | None
    commits: int
    ignored_tags: int
    revision: str | None
    head: str
    branch: str | None
    reasons: tuple[str, ...] = ()

    derived: ClassVar[tuple[str, ...]] = ("nothing_to_release",)

    @property
    def nothing_to_release(self) -> bool:
        return self.level == "none" or self.commits == 0


@dataclasses.dataclass(frozen=True)
class TagResult(Result):
    """What ``release tag`` did (``created``), would do (``dry-run``) or skipped."""

    status: Literal["created", "dry-run", "skipped"]
    tag: str
    version: str
    previous_tag: str | None
    commit: str
    message: str
    pushed: bool
    remote: str | None
    actions: tuple[str, ...]
    reason: str = ""

    @property
    def exit_code(self) -> int:
        """10 for a dry run; 0 when the tag was created or there was nothing to release."""
        return EXIT_DRY_RUN if self.status == "dry-run" else 0


@dataclasses.dataclass(frozen=True)
class ChangelogResult(Result):
    """A rendered changelog section and whether it was written."""

    version: str
    since: str | None
    date: str
    groups: tuple[ChangelogGroup, ...]
    text: str
    commits: int
    path: Path | None = None
    changed: bool = False


def _rules(settings: ReleaseSettings) -> LevelRules:
    return LevelRules(
        minor_types=settings.minor_types, patch_types=settings.patch_types,
        zero_breaking=settings.zero_breaking, zero_feature=settings.zero_feature,
        other=settings.other_level,
    )


@dataclasses.dataclass(frozen=True)
class _Plan:
    git: Git
    head: HeadState
    next: NextVersion
    commits: tuple[Commit, ...]


def _plan(settings: Settings, level: LevelChoice, pre: PreLabel | None,
          since: str | None = None) -> _Plan:
    section = settings.section(ReleaseSettings)
    git = open_repository(settings.project_dir, env=settings.environ)
    head = head_state(git)
    if head.shallow:
        raise ReleaseError(
            f"{git.cwd} is a shallow clone: its tags and history are incomplete, so the "
            "computed version would be wrong", hint=_SHALLOW_HINT,
        )
    fmt = TagFormat(section)
    tags, ignored = release_tags(git, fmt)
    latest: ReleaseTag | None = tags[0] if tags else None
    base_name = latest.name if latest else None
    total = count_commits(git, base_name)
    commits = tuple(commits_since(git, base_name))
    listed = commits
    if since is not None:
        # "since" only chooses which commits to list; the version is still the one
        # that follows the newest release tag
        if not tag_exists(git, since):
            raise UsageError(f"the changelog cannot start after {since!r}: no tag named "
                             f"{since!r} in {git.cwd}", hint="list the tags with `git tag --list`")
        listed = tuple(commits_since(git, since))
    revision = read_revision(section, settings.project_dir)
    reasons: tuple[str, ...] = ()
    decided: BumpLevel | Literal["initial"]
    if latest is None:
        decided = "initial"
        version = Version.parse(section.initial)
        if pre is not None:
            version = Version(*version.core, (pre, "1"))
        reasons = (f"no tag matches {section.tag_format!r}; starting at {section.initial}",)
    else:
        current = latest.version
        if level == "auto":
            decided, deciders = decide_level(commits, _rules(section), current)
            reasons = tuple(c.subject for c in deciders)
        else:
            decided = level
        if total == 0 and level == "auto":
            decided = "none"
        try:
            version = current if decided == "none" else bump(current, decided, pre)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
    nxt = NextVersion(
        version=str(version), tag=fmt.render(version, revision), level=decided,
        previous=str(latest.version) if latest else None,
        previous_tag=latest.name if latest else None, commits=total, ignored_tags=ignored,
        revision=revision, head=head.sha, branch=head.branch, reasons=reasons,
    )
    return _Plan(git, head, nxt, listed)


@recorded("release", "next")
def next_version(settings: Settings, *, progress: Progress | None = None,
                 level: LevelChoice = "auto", pre: PreLabel | None = None) -> NextVersion:
    """The next version from the newest matching tag reachable from HEAD.

    ``level="auto"`` reads Conventional Commits since that tag; ``pre`` makes a
    pre-release (``rc`` → ``1.3.0-rc.1``).  With no commits since the tag, the result's
    ``level`` is ``"none"`` (nothing to release).
    """
    return _plan(settings, level, pre).next


@recorded("release", "tag")
def tag(settings: Settings, *, progress: Progress | None = None, level: LevelChoice = "auto",
        pre: PreLabel | None = None, dry_run: bool | None = None, push: bool = False,
        sign: bool | None = None, message: str | None = None,
        allow_dirty: bool = False) -> TagResult:
    """Create an annotated tag for the next version on HEAD (and push it when asked).

    Refuses a detached HEAD, a shallow clone, a dirty tree (unless ``allow_dirty``) and
    an existing tag.  No commits since the last tag → status ``skipped``.  ``dry_run``
    (default ``settings.dry_run``) shows the tag and its message and changes nothing;
    ``sign`` defaults to ``[release] sign``; ``message`` replaces the changelog section
    as the tag message; ``push`` pushes only the new tag to ``[release] remote``.
    """
    section = settings.section(ReleaseSettings)
    dry = settings.dry_run if dry_run is None else dry_run
    plan = _plan(settings, level, pre)
    git, head, nxt = plan.git, plan.head, plan.next
    if head.branch is None:
        raise ReleaseError(
            f"HEAD is detached at {head.sha[:12]} in {git.cwd}; releases are tagged from a branch",
            hint="check out the release branch (git switch main) and retry",
        )
    if not allow_dirty:
        dirty = dirty_files(git, ignore=settings.state_dir)
        if dirty:
            shown = ", ".join(d.strip() for d in dirty[:10]) + (
                f" and {len(dirty) - 10} more" if len(dirty) > 10 else "")
            raise ReleaseError(
                f"the work tree of {git.cwd} has {len(dirty)} uncommitted change(s): {shown}",
                hint="commit or stash them, or allow a dirty tree (allow_dirty)",
            )
    if nxt.nothing_to_release:
        why = (f"no commits since {nxt.previous_tag}" if nxt.commits == 0 else
               f"no releasable commits since {nxt.previous_tag} (other_level = 'none')")
        if nxt.previous_tag is None:
            why = "the repository has no commits to release"
        return TagResult("skipped", nxt.tag, nxt.version, nxt.previous_tag, head.sha, "",
                         False, None, (), reason=why)
    if message is not None and not message.strip():
        raise UsageError("the tag message is empty",
                         hint="give a message, or none to use the changelog section")
    if tag_exists(git, nxt.tag):
        raise ReleaseError(
            f"tag {nxt.tag} already exists in {git.cwd}",
            hint="pick another level, or delete the tag with `git tag -d` if it was made "
                 "by mistake",
        )
    groups = group_commits(plan.commits)
    text = message if message is not None else render_message(nxt.tag, groups)
    signed = section.sign if sign is None else sign
    remote = section.remote if push else None
    if remote:
        _require_remote(git, remote)
    actions = [f"git tag {'-s' if signed else '-a'} {nxt.tag} {head.sha[:12]}"]
    if remote:
        actions.append(f"git push {remote} refs/tags/{nxt.tag}")
    if dry:
        return TagResult("dry-run", nxt.tag, nxt.version, nxt.previous_tag, head.sha, text,
                         False, remote, tuple(actions))
    try:
        # verbatim: a message line starting with '#' is text, not a comment to strip
        # --no-sign: an unsigned release stays unsigned even with tag.gpgSign in git config
        mode = ["-s"] if signed else ["-a", "--no-sign"]
        git.text("tag", *mode, "--cleanup=verbatim", nxt.tag, "-F", "-", head.sha,
                input=text if text.endswith("\n") else text + "\n")
    except GitError as exc:
        hint = ("check gpg and user.signingkey (`git tag -s` must work by hand), or tag "
                "unsigned" if signed else None)
        raise ReleaseError(f"could not create tag {nxt.tag}: {exc.message}", hint=hint) from exc
    log.debug("created tag %s on %s", nxt.tag, head.sha[:12])
    pushed = False
    if remote:
        _push(git, remote, nxt.tag)
        pushed = True
    return TagResult("created", nxt.tag, nxt.version, nxt.previous_tag, head.sha, text,
                     pushed, remote, tuple(actions))


def _require_remote(git: Git, remote: str) -> None:
    """Refuse to push to a remote name git does not know (URLs are taken as they are)."""
    if "/" in remote or ":" in remote or git.ok("remote", "get-url", remote):
        return
    known = git.text("remote").split()
    raise ReleaseError(
        f"cannot push the tag: no remote named {remote!r} in {git.cwd} (remotes: "
        f"{', '.join(known) or 'none'}); nothing was tagged",
        hint=f"add it with `git remote add {remote} URL`, or set [release] remote",
    )


def _push_failure(stderr: str) -> str:
    """The lines of a failed ``git push`` that say why (rejections, the remote's own words)."""
    lines = [ln.strip() for ln in stderr.splitlines() if ln.strip()]
    why = [ln for ln in lines if ln.startswith(("! [", "remote:", "fatal:"))]
    chosen = why[:3] or lines[-1:] or ["git push failed"]
    return "; ".join(chosen)


def _push(git: Git, remote: str, name: str) -> None:
    """Push the new tag alone; on failure delete it again so a failed release leaves no tag."""
    try:
        git.text("push", remote, f"refs/tags/{name}")
    except KeyboardInterrupt:  # Ctrl-C during the push: no half-done release either
        git.ok("tag", "-d", name)
        raise
    except GitError as exc:
        why = _push_failure(exc.stderr)
        undone = git.ok("tag", "-d", name)
        kept = ("the local tag was deleted again, nothing was released" if undone else
                f"the local tag {name} could not be deleted: delete it with `git tag -d {name}`")
        raise ReleaseError(
            f"pushing tag {name} to {remote!r} failed: {why}; {kept}",
            hint=f"fix access to {remote!r} (try `git push {remote} --dry-run`) and rerun",
        ) from exc


def _unreleased(section: ReleaseSettings, plan: _Plan) -> Callable[[str], bool]:
    """Whether a changelog heading names a version above the last release tag that has
    no tag itself: a section written for a next version that changed before tagging."""
    fmt = TagFormat(section)
    tagged = {t.version.precedence() for t in
              (fmt.parse(n) for n in plan.git.text("tag", "--list").splitlines()) if t}
    previous = parse_or_none(plan.next.previous or "")

    def stale(text: str) -> bool:
        version = parse_or_none(text)
        # without a release tag yet, nothing is known to be stale: keep every section
        return (previous is not None and version is not None and version > previous
                and version.precedence() not in tagged)

    return stale


@recorded("release", "changelog")
def changelog(settings: Settings, *, progress: Progress | None = None, since: str | None = None,
              write: Path | bool | None = None, level: LevelChoice = "auto",
              pre: PreLabel | None = None, version: str | None = None) -> ChangelogResult:
    """The changelog section for the commits since ``since`` (default: the last release
    tag), headed by the next version (or ``version``).

    ``write`` writes the section into a file — ``True`` for ``[release] changelog_file``,
    or a path (relative paths are relative to the project directory); writing the same
    version again replaces its section, so the call is idempotent.
    """
    section = settings.section(ReleaseSettings)
    if version is not None:
        try:
            Version.parse(version)
        except ValueError as exc:
            raise UsageError(f"the heading version: {exc}", hint="give a version like 1.4.0"
                             ) from None
    plan = _plan(settings, level, pre, since=since)
    heading = version if version is not None else plan.next.version
    groups = group_commits(plan.commits)
    text = render_section(heading, plan.head.date, groups)
    path: Path | None = None
    changed = False
    if write is not None and write is not False:
        target = section.changelog_file if write is True else Path(write)
        path = target if target.is_absolute() else settings.project_dir / target
        if plan.commits:
            changed = write_section(path, heading, text, stale=_unreleased(section, plan))
    return ChangelogResult(heading, since or plan.next.previous_tag, plan.head.date, groups,
                           text, len(plan.commits), path, changed)
