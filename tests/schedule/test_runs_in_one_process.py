"""Several runs at once in one process (what the scheduler and the web page do)."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import pytest

from pitstop import engine
from pitstop.registry import tasks

from .conftest import write_settings


def test_library_lines_are_written_once_whatever_runs_overlap(
        project: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="pitstop")
    (project / "migrations").mkdir()
    (project / "migrations" / "001_init.sql").write_text("CREATE TABLE t (id INTEGER);\n")
    text = "".join(f"""
[tasks.hold-{name}]
run = "while [ ! -e {project / name} ]; do sleep 0.05; done"
""" for name in "abc")
    settings = write_settings(project, text + """
[workflows]
a = ["hold-a"]
b = ["hold-b", "migrate"]
c = ["hold-c"]
""")
    threads: dict[str, threading.Thread] = {}
    results: dict[str, object] = {}
    for name in "abc":  # three runs going at once, started one after the other
        started = threading.Event()

        def seen(event: object, started: threading.Event = started) -> None:
            if getattr(event, "kind", "") == "task-started":
                started.set()

        def run(name: str = name, seen: object = seen) -> None:
            results[name] = engine.run(settings, name, tasks(), on_event=seen)

        threads[name] = threading.Thread(target=run)
        threads[name].start()
        assert started.wait(60)
    try:
        for name in "cb":  # the last one started ends first; then b migrates
            (project / name).touch()
            threads[name].join(60)
    finally:
        (project / "a").touch()
        threads["a"].join(60)
    migrate = results["b"].tasks[1]  # type: ignore[attr-defined]
    log = Path(migrate.log_path).read_text()
    assert log.count("applying 001_init.sql") == 1, log
