"""``python -m pitstop``."""

from pitstop.cli.main import run

run()
