"""Helper programs pitstop runs *inside the project's interpreter*.

They are never imported by pitstop: :mod:`pitstop.project_python.run` reads their
source and hands it to the project's interpreter, which has no pitstop installed.  So
each may import only the standard library and what the project itself has (Alembic,
SQLAlchemy, the project's modules), and must run on Python 3.8 or later.

``_runtime.py`` is loaded first into the same namespace: it frames the answer, turns
exceptions into data and classifies import failures.  A helper defines
``main(request) -> JSON-able value`` and may define ``classify(exc) -> dict | None``
for errors it knows (Alembic's, SQLAlchemy's).
"""
