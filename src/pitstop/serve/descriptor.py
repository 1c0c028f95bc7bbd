"""The ``serve`` capability (the web page and its users), declared once (see
:mod:`pitstop.capability`)."""

from __future__ import annotations

from pitstop.capability import Capability, Command, Section, Verb

CAPABILITY = Capability(
    name="serve",
    summary="A web page and JSON API over the same verbs and history: dashboard, runs "
            "with live logs, runbooks by role, backups, migrations, audit trail; users "
            "with Argon2 passwords, sessions, CSRF, API tokens.",
    docs="docs/serve.md",
    sections=(Section("serve", "pitstop.serve.settings:ServeSettings"),),
    commands=(
        Command("serve", "pitstop.cli.serve_cmd:serve",
                "Serve the web page and JSON API (history, runbooks, backups, migrations)."),
        Command("user", "pitstop.cli.user_cmd:user",
                "Manage the users of the web page and their API tokens."),
    ),
    verbs=(
        Verb("user-add", "pitstop.serve.users:add_user", "Add a user with a role.", "admin",
             command=("user", "add")),
        Verb("user-passwd", "pitstop.serve.users:set_password", "Set a user's password.",
             "admin", command=("user", "passwd")),
        Verb("user-role", "pitstop.serve.users:set_role", "Give a user another role.", "admin",
             command=("user", "role")),
        Verb("user-remove", "pitstop.serve.users:remove_user", "Remove a user.", "admin",
             command=("user", "remove")),
        Verb("user-list", "pitstop.serve.users:list_users", "List users and their tokens.",
             recorded=False, command=("user", "list")),
        Verb("user-token", "pitstop.serve.users:create_token", "Make an API token.", "admin",
             command=("user", "token")),
        Verb("user-revoke", "pitstop.serve.users:revoke_tokens", "Revoke API tokens.", "admin",
             command=("user", "revoke")),
    ),
)
