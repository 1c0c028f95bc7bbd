"""Helper: the project's SQLAlchemy models against the live database, with Alembic's
``compare_metadata``, run in the project's interpreter.  The differences come back as
data (pitstop words them).

Request: ``models`` (``package.module:Base``), ``url``, ``dialect``, ``timeout``,
``compare_types``, ``compare_server_default``, ``ignore_tables``, ``sys_path``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # at run time these come from the runtime, loaded first
    from pitstop.project_python.helpers._runtime import (
        Failure,
        first_line,
        import_module,
        sqlalchemy_url,
    )


def _metadata(spec: str) -> Any:
    module_name, _, attr = spec.partition(":")
    module = import_module(module_name)
    target: Any = module
    for part in attr.split("."):
        target = getattr(target, part, None)
        if target is None:
            raise Failure("usage", f"{module_name} has no attribute {attr!r}",
                          code="no_attribute")
    from sqlalchemy import MetaData

    metadata = getattr(target, "metadata", target)
    if not isinstance(metadata, MetaData):
        raise Failure("usage", f"{spec} is neither a declarative base nor a MetaData",
                      code="not_metadata")
    return metadata


def _connect_args(driver: str, timeout: float) -> dict[str, Any]:
    seconds = max(1, round(timeout))
    if driver in ("psycopg", "psycopg2"):
        return {"connect_timeout": seconds,
                "options": f"-c statement_timeout={int(timeout * 1000)}"}
    if driver in ("pymysql", "mysqldb"):
        return {"connect_timeout": seconds, "read_timeout": seconds, "write_timeout": seconds}
    if driver == "pysqlite" or driver == "sqlite":
        return {"timeout": timeout}
    return {}


def _name(obj: Any) -> str:
    return str(getattr(obj, "name", obj))


def _plain(value: Any) -> Any:
    return value if value is None or isinstance(value, (bool, int, float)) else str(value)


def serialize(diff: Any) -> Any:
    """One ``compare_metadata`` difference as JSON-able data."""
    if isinstance(diff, list):  # modify_* operations come grouped per column
        return [serialize(d) for d in diff]
    op = diff[0]
    if op in ("add_table", "remove_table"):
        return {"op": op, "table": _name(diff[1])}
    if op in ("add_column", "remove_column"):
        return {"op": op, "table": diff[2], "column": _name(diff[3])}
    if op.startswith("modify_"):
        return {"op": op, "table": diff[2], "column": diff[3], "database": _plain(diff[5]),
                "models": _plain(diff[6])}
    if op in ("add_index", "remove_index", "add_constraint", "remove_constraint",
              "add_fk", "remove_fk"):
        obj = diff[1]
        table = getattr(getattr(obj, "table", None), "name", None) or getattr(obj, "parent", "")
        return {"op": op, "name": _name(obj), "table": _name(table)}
    return {"op": op, "detail": repr(diff[1:])}


def main(request: dict[str, Any]) -> dict[str, Any]:
    metadata = _metadata(request["models"])
    import sqlalchemy
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    ignored = set(request.get("ignore_tables") or ())

    def include(name: Any, type_: str, _parent: Any) -> bool:
        if type_ == "table" and name is not None:
            return name not in ignored and not str(name).startswith("pitstop_")
        return True

    url = sqlalchemy_url(request["url"], request["dialect"])
    timeout = float(request.get("timeout") or 5.0)
    engine = sqlalchemy.create_engine(url, poolclass=sqlalchemy.pool.NullPool,
                                      connect_args=_connect_args(url.get_driver_name(), timeout))
    try:
        try:
            conn = engine.connect()
        except Exception as exc:
            raise Failure("connect", first_line(exc)) from exc
        with conn:
            opts = {"compare_type": bool(request.get("compare_types", True)),
                    "compare_server_default": bool(request.get("compare_server_default")),
                    "include_name": include}
            diffs = compare_metadata(MigrationContext.configure(conn, opts=opts), metadata)
    finally:
        engine.dispose()
    return {"tables": len(metadata.tables), "differences": [serialize(d) for d in diffs]}
