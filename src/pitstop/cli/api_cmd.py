"""``pitstop api``: OpenAPI/AsyncAPI documents and Python clients of the FastAPI app;
``pitstop generate`` is ``pitstop api generate``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from pitstop.cli.common import AppContext, dry_run_option, json_option, pass_app
from pitstop.errors import EXIT_ERROR, EXIT_OK
from pitstop.output import echo, emit_json, info, table, warning

if TYPE_CHECKING:
    from pitstop.api.generation import GenerateResult


@click.group()
def api() -> None:
    """OpenAPI/AsyncAPI documents and typed Python clients of the FastAPI app.

    The app ([api] app) is imported in the project's interpreter, once for all
    modules ([api.modules]); documents and clients go to [api] output, and only
    the files whose bytes changed are replaced.  See docs/api.md.
    """


def _generate_options(func: Any) -> Any:
    for option in reversed((
        click.argument("modules", nargs=-1, metavar="[MODULE]..."),
        click.option("--check", is_flag=True,
                     help="Write nothing; exit 1 listing every stale or missing file."),
        dry_run_option,
        click.option("--force", is_flag=True,
                     help="Overwrite files edited by hand and files pitstop did not write."),
        click.option("--strict/--no-strict", default=None,
                     help="WebSocket routes without declared messages are errors [api] strict."),
        json_option,
        pass_app,
    )):
        func = option(func)
    return func


def _run_generate(app: AppContext, modules: tuple[str, ...], check: bool,
                  dry_run: bool | None, force: bool, strict: bool | None,
                  as_json: bool) -> int:
    from pitstop.api import generate
    from pitstop.cli.progress import progress_bar

    with progress_bar("generating") as progress:
        result = generate(app.settings(), progress=progress, modules=modules, check=check,
                          dry_run=dry_run, force=force, strict=strict)
    if as_json:
        emit_json(result.to_dict())
    else:
        _render(result)
    return result.exit_code


def _render(result: GenerateResult) -> None:
    for text in result.warnings:
        warning(text)
    if result.mode == "dry-run" and result.diff:
        echo(result.diff.rstrip("\n"))
    for module in result.modules:
        left = len(module.edited) + len(module.conflicts)
        verb = "would write" if result.mode != "write" else "written"
        info(f"{module.name}: {verb} {len(module.written)}, unchanged {module.unchanged}, "
             f"removed {len(module.removed)}" + (f", left alone {left}" if left else "")
             + ("" if module.regenerated else " (client up to date, not regenerated)"))
        for path in module.edited:
            warning(f"{path}: edited by hand since pitstop wrote it; left alone (--force "
                    "overwrites it)")
        for path in module.conflicts:
            warning(f"{path}: not written by pitstop; left alone (--force overwrites it)")
    if result.mode == "check":
        if result.stale:
            for line in result.stale:
                echo(line)
            info(f"{len(result.stale)} file(s) are not as `pitstop api generate` would write "
                 "them")
        else:
            info(f"{result.output} is up to date")
    elif result.mode == "dry-run":
        info("dry run: nothing was written")


@api.command("generate")
@_generate_options
def generate_cmd(app: AppContext, modules: tuple[str, ...], check: bool,
                 dry_run: bool | None, force: bool, strict: bool | None,
                 as_json: bool) -> int:
    """Write each module's OpenAPI document, AsyncAPI document (WebSocket routes) and
    Python client into [api] output, replacing only what changed.

    Exit 0 · 1 --check found stale files, an invalid document, a lost endpoint, or
    files left alone · 2 the api extra is missing · 3 the app cannot be imported ·
    10 dry run.
    """
    return _run_generate(app, modules, check, dry_run, force, strict, as_json)


@click.command("generate")
@_generate_options
def generate_shortcut(app: AppContext, modules: tuple[str, ...], check: bool,
                      dry_run: bool | None, force: bool, strict: bool | None,
                      as_json: bool) -> int:
    """Same as `pitstop api generate`: documents and Python clients of the FastAPI app.

    Exit 0 · 1 stale files with --check, or an error · 2 the api extra is missing ·
    3 the app cannot be imported · 10 dry run.
    """
    return _run_generate(app, modules, check, dry_run, force, strict, as_json)


@api.command("spec")
@click.argument("module", required=False)
@click.option("--asyncapi", is_flag=True, help="The AsyncAPI 3.0 document (WebSocket routes).")
@pass_app
def spec_cmd(app: AppContext, module: str | None, asyncapi: bool) -> int:
    """Print one module's OpenAPI document (or --asyncapi its AsyncAPI document) to
    stdout, exactly as `api generate` writes it.

    Exit 0 · 1 the app raised · 3 unknown module or the app cannot be imported.
    """
    from pitstop.api import spec

    result = spec(app.settings(), module=module, asyncapi=asyncapi)
    sys.stdout.write(result.text)
    return EXIT_OK


@api.command("routes")
@json_option
@pass_app
def routes_cmd(app: AppContext, as_json: bool) -> int:
    """List every HTTP and WebSocket route: module, operationId, response model, and
    whether the written client and the AsyncAPI document cover it.

    Exit 0 · 1 the app raised · 3 the app cannot be imported.
    """
    from pitstop.api import routes

    result = routes(app.settings())
    if as_json:
        emit_json(result.to_dict())
        return EXIT_OK
    rows = []
    for route in result.routes:
        covered = ("client" if route.in_client else "-") if route.kind == "http" else \
            ("asyncapi" if route.in_asyncapi else "-") if route.kind == "websocket" else "-"
        rows.append(("/".join(route.methods) or "WS", route.path,
                     ",".join(route.modules) or "-",
                     ",".join(v for v in route.operation_ids.values() if v) or "-",
                     route.response_model or "-", covered))
    table(("method", "path", "module", "operationId", "response", "covered"), rows,
          keys=("method", "path"))
    info(f"{len(rows)} route(s); FastAPI {result.fastapi} in {result.interpreter}")
    return EXIT_OK


@api.command("check")
@click.argument("files", nargs=-1, type=click.Path(path_type=Path))
@click.option("--runtime", is_flag=True,
              help="Import the app and check the routes FastAPI built (slower, exact).")
@json_option
@pass_app
def check_cmd(app: AppContext, files: tuple[Path, ...], runtime: bool, as_json: bool) -> int:
    """The pre-commit gate: every route declares what it returns, operationIds are
    unique and readable, WebSocket routes declare their messages.

    Without --runtime an AST pass over [api] source (or FILES), no app import.
    Exit 0 · 1 errors found · 3 configuration error.
    """
    from pitstop.api import check

    result = check(app.settings(), runtime=runtime,
                   files=tuple(app.cwd / f for f in files))
    if as_json:
        emit_json(result.to_dict())
        return result.exit_code
    for finding in result.findings:
        where = f"{finding.file}:{finding.line}: " if finding.file else ""
        line = f"{where}{finding.code}: {finding.message}"
        if finding.severity == "error":
            echo(line)
        else:
            warning(line)
    info(f"{result.routes} route(s) checked ({result.mode}"
         + (f", {result.files} file(s)" if result.mode == "ast" else "")
         + f"): {result.errors} error(s), {result.warnings} warning(s)")
    return EXIT_ERROR if result.errors else EXIT_OK



