"""Helper: Alembic's own commands, run in the project's interpreter where its ``env.py``
and revisions can import the application.

Request: ``op`` (``state``, ``upgrade``, ``downgrade``, ``revision``), ``directory``
(the migrations directory), ``ini`` (an ``alembic.ini`` or null), ``url`` and
``dialect`` (the database; its driver is chosen among those installed here),
``read_heads`` (false when the database does not exist yet), ``revision``,
``message``, ``autogenerate``.

The current heads are read the way ``alembic current`` reads them: through the
project's ``env.py``, so its version table, schema and connection are the ones used.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # at run time these come from the runtime, loaded first
    from pitstop.project_python.helpers._runtime import (
        Failure,
        first_line,
        import_module,
        render_url,
        sqlalchemy_url,
    )


def _config(request: dict[str, Any]) -> Any:
    config_module = import_module("alembic.config")
    ini = request.get("ini")
    directory = request["directory"]
    cfg = config_module.Config(ini) if ini else config_module.Config()
    location = cfg.get_main_option("script_location") if ini else None
    if location is None or os.path.isfile(os.path.join(directory, "env.py")):
        cfg.set_main_option("script_location", directory)
    elif ini and not os.path.isabs(location) and ":" not in location:
        cfg.set_main_option("script_location", os.path.join(os.path.dirname(ini), location))
    url = sqlalchemy_url(request["url"], request["dialect"])
    cfg.set_main_option("sqlalchemy.url", render_url(url).replace("%", "%%"))
    return cfg


def _heads(cfg: Any, script: Any) -> list[str]:
    from alembic.runtime.environment import EnvironmentContext

    found: list[str] = []

    def capture(rev: Any, context: Any) -> list[Any]:
        for head in context.get_current_heads():
            if head not in found:
                found.append(head)
        return []

    with EnvironmentContext(cfg, script, fn=capture, dont_mutate=True):
        script.run_env()
    return found


def _state(cfg: Any, read_heads: bool) -> dict[str, Any]:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(cfg)
    revisions = list(reversed(list(script.walk_revisions())))
    heads = _heads(cfg, script) if read_heads else []
    applied: set[str] = set()
    for head in heads:
        applied.update(r.revision for r in script.iterate_revisions(head, "base"))
    return {
        "revisions": [{"revision": r.revision, "doc": (r.doc or "").strip(), "path": r.path}
                      for r in revisions],
        "heads": heads,
        "applied": sorted(applied),
    }


def main(request: dict[str, Any]) -> Any:
    cfg = _config(request)
    op = request["op"]
    if op == "state":
        return _state(cfg, bool(request.get("read_heads")))
    from alembic import command

    if op == "revision":
        made = command.revision(cfg, message=request.get("message"),
                                autogenerate=bool(request.get("autogenerate")))
        script = made[0] if isinstance(made, list) else made
        if script is None:
            raise Failure("alembic", "alembic wrote no revision file")
        return {"revision": script.revision, "path": script.path}
    before = _state(cfg, bool(request.get("read_heads")))
    if op == "upgrade":
        command.upgrade(cfg, request["revision"])
    elif op == "downgrade":
        command.downgrade(cfg, request["revision"])
    else:
        raise Failure("usage", f"unknown operation {op!r}")
    return {"before": before, "after": _state(cfg, True)}


def classify(exc: BaseException) -> dict[str, Any] | None:
    """Alembic's refusals and database errors, told apart from the project's bugs."""
    import sys

    util = sys.modules.get("alembic.util")
    if util is not None and isinstance(exc, util.CommandError):
        return {"kind": "alembic", "message": str(exc)}
    sa_exc = sys.modules.get("sqlalchemy.exc")
    if sa_exc is not None and isinstance(exc, sa_exc.SQLAlchemyError):
        statement = getattr(exc, "statement", None)
        kind = "connect" if isinstance(exc, sa_exc.DBAPIError) and statement is None else "sql"
        return {"kind": kind, "message": first_line(exc)}
    return None
