"""The ``workers`` capability, declared once (see :mod:`pitstop.capability`)."""

from __future__ import annotations

from pitstop.capability import Capability, Command, Section, Verb

CAPABILITY = Capability(
    name="workers",
    summary="Workflow tasks on Celery workers (RabbitMQ or Redis broker): `pitstop run` "
            "dispatches each ready task, workers run it in the project and stream it back.",
    docs="docs/workers.md",
    sections=(Section("engine", "pitstop.workers.settings:EngineSettings"),),
    commands=(Command("worker", "pitstop.cli.worker_cmd:worker",
                      "Run a Celery worker that executes this project's tasks."),),
    verbs=(
        Verb("run", "pitstop.workers.api:run_worker", "Run a Celery worker for this "
             "project until it is stopped.", "write", recorded=False, command=("worker",)),
    ),
)
