"""Smoke tests of the demo shop: run by `pitstop test smoke` (marker `smoke`)."""

import os
import sqlite3
from pathlib import Path

import pytest

DB = Path(__file__).resolve().parents[1] / ".pitstop" / "app.db"


def _db() -> sqlite3.Connection:
    url = os.environ.get("DATABASE_URL", f"sqlite:///{DB}")
    return sqlite3.connect(url.removeprefix("sqlite:///"))


@pytest.mark.smoke
def test_catalogue_is_seeded() -> None:
    with _db() as db:
        assert db.execute("SELECT count(*) FROM products").fetchone()[0] >= 3


@pytest.mark.smoke
def test_orders_reference_products() -> None:
    with _db() as db:
        fks = db.execute("PRAGMA foreign_key_list(orders)").fetchall()
    assert any(row[2] == "products" for row in fks)


def test_not_a_smoke_test() -> None:
    assert 1 + 1 == 2
