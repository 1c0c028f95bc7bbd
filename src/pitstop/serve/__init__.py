"""``pitstop serve``: the web page and JSON API over the same verbs and history as the
CLI, with users, roles, sessions, CSRF and an audit trail; and ``pitstop user``.

Layout: :mod:`~pitstop.serve.settings` (``[serve]``), :mod:`~pitstop.serve.users`
(the ``user`` verbs), :mod:`~pitstop.serve.passwords` (Argon2),
:mod:`~pitstop.serve.calls` (the one place that calls other capabilities' verbs),
:mod:`~pitstop.serve.jobs` (runs and verb calls in the background),
:mod:`~pitstop.serve.auth` (sessions, tokens, CSRF, roles, login throttling),
:mod:`~pitstop.serve.app` (the FastAPI application factory) with its routes, and
:mod:`~pitstop.serve.server` (checks before binding, then uvicorn).

The web libraries (FastAPI, uvicorn, Jinja2, argon2-cffi, itsdangerous) come with
``pip install 'pitstop[web]'`` and are imported only by the commands that need them.
"""
