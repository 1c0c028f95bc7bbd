"""``pitstop init``: a commented ``pitstop.toml``, ``migrations/`` and ``.gitignore``."""

from __future__ import annotations

import dataclasses
import os
import tempfile
from pathlib import Path

from pitstop.config import CONFIG_FILE, STATE_DIR, has_pitstop_table
from pitstop.errors import ConfigError, PermissionDeniedError, PitstopError

TEMPLATE = """\
# pitstop configuration (reference: docs/configuration.md in the pitstop repository)
# Environment variables override these values: DATABASE_URL, REDIS_URL,
# PITSTOP_LOG_LEVEL, PITSTOP_ENVIRONMENT, PITSTOP_DRY_RUN, PITSTOP_STATE_URL (and the
# application's own LOG_LEVEL, ENVIRONMENT, DRY_RUN when pitstop can use their value);
# the variables in the project's .env come next; command-line flags override all.
# env_file = ".env"      # another file, or false to read none

# The application database (default: an SQLite file under .pitstop/).
# database_url = "postgresql://app@127.0.0.1:5432/app"
database_url = "sqlite:///.pitstop/app.db"
# redis_url = "redis://127.0.0.1:6379/0"
environment = "development"
log_level = "INFO"

[state]
# Where run history lives; PostgreSQL for a team sharing runners.
# url = "sqlite:///.pitstop/state.db"
keep_days = 90
keep_runs = 1000

[metrics]
# textfile = "/var/lib/node_exporter/textfile_collector/pitstop.prom"
# pushgateway = "http://127.0.0.1:9091"

[migrate]
# dir = "migrations"

# Your own tasks: a shell string, or a list for argv without a shell.
# [tasks.seed]
# run = "python scripts/seed.py"
# needs = ["migrate"]
# timeout = "2m"
# retries = 1
# env = { SEED = "1" }
# level = "write"      # read | write | admin

[workflows]
# A step that is a list runs its tasks in parallel.
setup = ["check-env", "db-init", "migrate"]
"""


@dataclasses.dataclass(frozen=True)
class InitResult:
    directory: Path
    created: tuple[Path, ...]
    updated: tuple[Path, ...]
    overwritten: bool


def _write_atomic(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def init_project(directory: Path, *, force: bool = False) -> InitResult:
    """Create the project files in ``directory``; refuse to overwrite a config
    unless ``force``."""
    directory = directory.resolve()
    config = directory / CONFIG_FILE
    if config.exists() and not force:
        raise ConfigError("already exists; not overwriting it", file=config,
                          hint="use --force to replace it")
    pyproject = directory / "pyproject.toml"
    if not force and pyproject.is_file() and has_pitstop_table(pyproject):
        raise ConfigError(
            "already holds the pitstop configuration ([tool.pitstop]); a new pitstop.toml "
            "would silently take its place", file=pyproject,
            hint="keep using [tool.pitstop], or use --force to write pitstop.toml anyway "
                 "(it wins over [tool.pitstop])")
    created: list[Path] = []
    updated: list[Path] = []
    try:
        directory.mkdir(parents=True, exist_ok=True)
        existed = config.exists()
        _write_atomic(config, TEMPLATE)
        (updated if existed else created).append(config)
        migrations = directory / "migrations"
        if not migrations.exists():
            migrations.mkdir()
            (migrations / ".gitkeep").touch()
            created.append(migrations)
        gitignore = directory / ".gitignore"
        entry = f"{STATE_DIR}/"
        if gitignore.exists():
            text = gitignore.read_text(encoding="utf-8")
            lines = {line.strip() for line in text.splitlines()}
            if entry not in lines and STATE_DIR not in lines and f"/{entry}" not in lines:
                sep = "" if text.endswith("\n") or not text else "\n"
                _write_atomic(gitignore, f"{text}{sep}{entry}\n")
                updated.append(gitignore)
        else:
            _write_atomic(gitignore, f"{entry}\n")
            created.append(gitignore)
    except PermissionError as exc:
        raise PermissionDeniedError(f"cannot write in {directory}: permission denied") from exc
    except NotADirectoryError as exc:
        raise ConfigError(f"{directory} is not a directory") from exc
    except OSError as exc:
        import errno

        message = f"cannot write in {directory}: {exc.strerror or exc}"
        if exc.errno == errno.EROFS:
            raise PermissionDeniedError(message) from exc
        raise PitstopError(message) from exc
    return InitResult(directory, tuple(created), tuple(updated), overwritten=existed)
