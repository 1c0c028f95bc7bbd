"""Every layout on every database: up, status, down, redo, up again."""

from __future__ import annotations

from pathlib import Path

import pytest

import pitstop.migrate as m
from pitstop.errors import MigrationError

from .conftest import LAYOUTS, make_settings, query, simple, tables, write_layout


@pytest.mark.parametrize("layout", LAYOUTS)
def test_every_layout_round_trip(project: Path, db_url: str, layout: str) -> None:
    names = write_layout(layout, project / "migrations", [simple(i) for i in (1, 2, 3)])
    settings = make_settings(project, db_url)

    plan = m.up(settings, dry_run=True)
    assert [p.file for p in plan.plan] == names
    assert all(p.transactional for p in plan.plan) == (not db_url.startswith("mysql"))
    assert "pitstop_migrations" not in tables(db_url)  # a dry run touches nothing

    result = m.up(settings)
    assert [a.file for a in result.applied] == names
    assert {"t1", "t2", "t3"} <= tables(db_url)
    status = m.status(settings)
    assert status.layout == layout
    assert [e.state for e in status.migrations] == ["applied"] * 3
    assert not status.needs_attention
    assert m.current_version(db_url) == status.migrations[-1].version
    assert query(db_url, "SELECT name FROM t1") == [("semi;colon -- not a comment",)]

    assert m.up(settings).applied == ()  # nothing pending

    if layout == "plain":
        with pytest.raises(MigrationError, match="no down migration"):
            m.down(settings)
        return
    down = m.down(settings)
    assert [a.file for a in down.applied] == names[2:]
    assert "t3" not in tables(db_url)
    assert [e.state for e in m.status(settings).migrations] == ["applied", "applied", "pending"]

    redo = m.redo(settings)
    assert [(a.file, a.direction) for a in redo.applied] == [(names[1], "down"), (names[1], "up")]
    assert m.up(settings).applied[0].file == names[2]
    assert {"t1", "t2", "t3"} <= tables(db_url)

    m.down(settings, to=status.migrations[0].version)
    assert not {"t2", "t3"} & tables(db_url)
    m.down(settings, steps=1)
    assert "t1" not in tables(db_url)
    assert m.current_version(db_url) is None
    types = [r.type for r in m.history(settings).records]
    assert types.count("undo") == 5
