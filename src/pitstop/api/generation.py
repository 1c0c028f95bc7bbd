"""``api generate``: every module's OpenAPI and AsyncAPI documents and Python client,
written only where they changed (see :mod:`pitstop.api.manifest`)."""

from __future__ import annotations

import dataclasses
import json
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from pitstop.api import documents
from pitstop.api.app import AppInfo, describe_app, output_dir, section_of
from pitstop.api.errors import ApiError
from pitstop.api.manifest import (
    Manifest,
    ModuleRecord,
    Plan,
    apply,
    diff,
    needs_content,
    output_lock,
    plan_module,
    read_manifest,
)
from pitstop.api.settings import ApiSettings
from pitstop.api.validation import BackgroundValidation
from pitstop.capability import Progress, Result, recorded
from pitstop.errors import EXIT_DRY_RUN, EXIT_ERROR, EXIT_OK, UsageError

if TYPE_CHECKING:
    from pitstop.config import Settings

Mode = Literal["write", "check", "dry-run"]
_SKIP_PARTS = {"__pycache__", ".ruff_cache"}


@dataclasses.dataclass(frozen=True)
class ModuleOutcome:
    """What happened to one module's files."""

    name: str
    package: str
    operations: int
    websockets: int
    regenerated: bool
    """Whether the client was generated again (its spec or the generator changed)."""
    written: tuple[str, ...] = ()
    unchanged: int = 0
    removed: tuple[str, ...] = ()
    edited: tuple[str, ...] = ()
    conflicts: tuple[str, ...] = ()


@dataclasses.dataclass(frozen=True)
class GenerateResult(Result):
    """The outcome of ``api generate``: per module, written / unchanged / removed, and
    the files left alone (edited by hand, or not pitstop's)."""

    mode: Mode
    output: Path
    modules: tuple[ModuleOutcome, ...]
    versions: dict[str, str]
    warnings: tuple[str, ...] = ()
    stale: tuple[str, ...] = ()
    """``missing|stale|obsolete|edited|conflict path`` of every file that is not as
    generated (``--check`` lists these)."""
    diff: str = ""

    derived: ClassVar[tuple[str, ...]] = ("changed",)

    @property
    def changed(self) -> bool:
        return bool(self.stale)

    @property
    def exit_code(self) -> int:
        """``--check``: 1 when anything is stale · ``--dry-run``: 10 · writing: 1 when
        edited or foreign files were left alone, else 0."""
        if self.mode == "check":
            return EXIT_ERROR if self.stale else EXIT_OK
        if self.mode == "dry-run":
            return EXIT_DRY_RUN
        blocked = any(m.edited or m.conflicts for m in self.modules)
        return EXIT_ERROR if blocked else EXIT_OK


def _selected(section: ApiSettings, modules: Sequence[str]) -> tuple[str, ...]:
    known = section.module_names
    unknown = [m for m in modules if m not in known]
    if unknown:
        raise UsageError(f"no module named {', '.join(unknown)}; the modules are "
                         f"{', '.join(known)}", hint="see [api.modules] in the configuration")
    return tuple(sorted(set(modules))) if modules else known


def socket_warnings(info: AppInfo, section: ApiSettings) -> tuple[list[str], list[str]]:
    """``(errors, warnings)`` about WebSocket routes: configured ones missing from the
    app are errors; ones without declared messages are warnings (errors when strict)."""
    errors = [f"WebSocket route {path} is configured in [api.websockets] but the app has "
              "no such route (is its router included?)" for path in info.missing_websockets]
    quiet = [f"WebSocket route {s['path']} ({s['endpoint']}) declares no messages: its "
             f"AsyncAPI channel has none (set [api.websockets.\"{s['path']}\"] send/receive)"
             for s in info.websockets if not s.get("send") and not s.get("receive")]
    return (errors + quiet, []) if section.strict else (errors, quiet)


def route_warnings(info: AppInfo) -> list[str]:
    """HTTP routes in the schema that belong to no module (no client has them), and
    pydantic's -Input/-Output schema split."""
    found = [f"route {'/'.join(r['methods'])} {r['path']} ({r['endpoint']}) belongs to no "
             "module: no client has it (check [api.modules] tags/prefix)"
             for r in info.routes if r["kind"] == "http" and r["in_schema"] and not r["modules"]]
    split = sorted({name for doc in info.documents.values()
                    for name in (doc.get("components") or {}).get("schemas") or {}
                    if name.endswith(("-Input", "-Output"))})
    if split:
        found.append(f"pydantic splits {', '.join(split)} into -Input/-Output schemas (two "
                     "models per class in the clients); pass "
                     "separate_input_output_schemas=False to FastAPI() to keep one")
    return found


def _operations(document: dict[str, Any]) -> int:
    return sum(1 for ops in (document.get("paths") or {}).values() for m in ops
               if m in ("get", "put", "post", "delete", "options", "head", "patch", "trace"))


def _tree(root: Path, prefix: str) -> dict[str, bytes]:
    found = {}
    for path in sorted(root.rglob("*")):
        if path.is_file() and not _SKIP_PARTS & set(path.relative_to(root).parts):
            found[f"{prefix}/{path.relative_to(root).as_posix()}"] = path.read_bytes()
    return found


@recorded("api", "generate")
def generate(settings: Settings, *, progress: Progress | None = None,
             modules: Sequence[str] = (), check: bool = False, dry_run: bool | None = None,
             force: bool = False, strict: bool | None = None) -> GenerateResult:
    """Write each module's OpenAPI and AsyncAPI documents and typed Python client into
    ``[api] output``, replacing only the files whose bytes changed.

    ``check``: write nothing; the result lists every stale or missing file (exit 1).
    ``dry_run``: write nothing; the result carries the diff (exit 10).  ``force``:
    overwrite files edited by hand and files pitstop did not write.  ``strict``:
    WebSocket routes without declared messages are errors.
    """
    from pitstop.api import client

    section = section_of(settings)
    if strict is not None:
        section = dataclasses.replace(section, strict=strict)
    dry_run = settings.dry_run if dry_run is None else dry_run
    mode: Mode = "check" if check else "dry-run" if dry_run else "write"
    chosen = _selected(section, modules)
    versions = client.versions()
    output = output_dir(settings, section)
    manifest = read_manifest(output)
    # when clients will surely be generated, the generator's import overlaps the app's
    # import in the project's interpreter
    preload = threading.Thread(target=client.preload, daemon=True)
    if dict(manifest.versions) != versions or not set(chosen) <= set(manifest.modules):
        preload.start()
    try:
        info = describe_app(settings, section)
    finally:
        if preload.is_alive():
            preload.join()
    errors, warnings = socket_warnings(info, section)
    if errors:
        raise ApiError("; ".join(errors), hint="declare the messages, or run without --strict")
    warnings += route_warnings(info)
    same_versions = dict(manifest.versions) == versions
    total = len(chosen) + 1
    wanted: dict[str, dict[str, bytes | str]] = {}
    specs: dict[str, str] = {}
    regenerate: dict[str, dict[str, Any]] = {}
    counts: dict[str, tuple[int, int]] = {}
    to_validate: dict[str, dict[str, Any]] = {}
    for done, name in enumerate(chosen):
        document = json.loads(documents.canonical(info.documents[name]))
        spec_bytes = documents.canonical(document)
        specs[name] = documents.digest(spec_bytes)
        files: dict[str, bytes | str] = {f"{name}/openapi.json": spec_bytes}
        sockets = info.sockets_of(name)
        counts[name] = (_operations(document), len(sockets))
        if not counts[name][0] and not sockets:
            warnings.append(f"module {name} has no operations (do its tags/prefix match any "
                            "route?)")
        if sockets:
            asyncapi = documents.asyncapi_document(info.title, info.version, name, sockets)
            documents.validate_asyncapi(asyncapi, name)
            files[f"{name}/asyncapi.json"] = documents.canonical(asyncapi)
        old = manifest.modules.get(name)
        package = section.package_name(name)
        if old is None or old.spec != specs[name]:
            to_validate[name] = document
        client_prefix = f"{name}/{package}/"
        kept = old is not None and same_versions and old.spec == specs[name] \
            and old.package == package and not needs_content(
                output, dataclasses.replace(old, files={p: s for p, s in old.files.items()
                                                       if p.startswith(client_prefix)}),
                force=force)
        if kept:
            assert old is not None
            files.update({p: s for p, s in old.files.items() if p.startswith(client_prefix)})
        else:
            regenerate[name] = document
        wanted[name] = files
        if progress is not None:
            progress(done, total)
    validation = BackgroundValidation(to_validate)  # beside the generator
    try:
        if regenerate:
            _generate_clients(settings, section, regenerate, wanted)
    except ApiError:
        validation.wait()  # an invalid document explains a generator error best
        raise
    except BaseException:
        validation.cancel()
        raise
    validation.wait()
    plan = Plan(output)
    records: dict[str, ModuleRecord] = {n: r for n, r in manifest.modules.items()
                                        if n not in chosen}
    for name in chosen:
        recorded_files = plan_module(plan, name, wanted[name], manifest.modules.get(name),
                                     manifest, force=force)
        records[name] = ModuleRecord(specs[name], section.package_name(name), recorded_files)
    if not modules:  # modules no longer configured: their files go
        for name in sorted(set(manifest.modules) - set(chosen)):
            plan_module(plan, name, {}, manifest.modules[name], manifest, force=force)
            records.pop(name, None)
    new_manifest = Manifest(versions, {n: records[n] for n in sorted(records)})
    if mode == "write":
        with output_lock(settings.state_dir / "api-generate.lock"):
            if read_manifest(output) != manifest:
                raise ApiError(f"{output} changed while pitstop was generating (another "
                               "`pitstop api generate`?); nothing was written",
                               hint="run it again")
            apply(plan, new_manifest)
    if progress is not None:
        progress(total, total)
    outcomes = []
    for name in chosen:
        outcomes.append(ModuleOutcome(
            name=name, package=section.package_name(name), operations=counts[name][0],
            websockets=counts[name][1], regenerated=name in regenerate,
            written=tuple(c.path for c in plan.of(name, "write")),
            unchanged=len(plan.of(name, "unchanged")),
            removed=tuple(c.path for c in plan.of(name, "remove")),
            edited=tuple(c.path for c in plan.of(name, "edited")),
            conflicts=tuple(c.path for c in plan.of(name, "conflict"))))
    for name in sorted(set(manifest.modules) - set(chosen)):
        removed = tuple(c.path for c in plan.of(name, "remove"))
        edited = tuple(c.path for c in plan.of(name, "edited"))
        if removed or edited:
            outcomes.append(ModuleOutcome(name=name, package=manifest.modules[name].package,
                                          operations=0, websockets=0, regenerated=False,
                                          removed=removed, edited=edited))
    stale = tuple(f"{_label(c.action, c.reason)} {c.path}" for c in plan.stale())
    if mode == "check" and dict(manifest.versions) != versions and manifest.modules:
        stale += (f"versions {_versions_text(manifest.versions)} → {_versions_text(versions)}",)
    return GenerateResult(mode=mode, output=output, modules=tuple(outcomes), versions=versions,
                          warnings=tuple(warnings), stale=stale,
                          diff=diff(plan) if mode == "dry-run" else "")


def _generate_clients(settings: Settings, section: ApiSettings,
                      regenerate: dict[str, dict[str, Any]],
                      wanted: dict[str, dict[str, bytes | str]]) -> None:
    """Generate, format and check the clients of ``regenerate`` (module → document) in
    a temporary directory and add their files to ``wanted``."""
    from pitstop.api import client

    cache = client.template_cache(settings.state_dir / "cache" / "api-templates")
    with tempfile.TemporaryDirectory(prefix="pitstop-api-") as temp:
        roots = {}
        for name, document in regenerate.items():
            package = section.package_name(name)
            roots[name] = Path(temp) / name / package
            client.generate(document, package, roots[name], name, cache)
        client.format_tree(roots.values())
        for name, root in roots.items():
            missing = client.missing_operations(regenerate[name], root)
            if missing:
                raise ApiError(f"module {name}: the generated client has no function for "
                               f"{', '.join(missing)}",
                               hint="report it with the OpenAPI document "
                                    f"(`pitstop api spec {name}`)")
            wanted[name].update(_tree(root, f"{name}/{section.package_name(name)}"))


def _label(action: str, reason: str) -> str:
    """How ``--check`` names a file that is not as generated."""
    if action == "write":
        return "missing" if reason == "new" else "stale"
    return {"remove": "obsolete"}.get(action, action)


def _versions_text(versions: Any) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(dict(versions).items())) or "none"
