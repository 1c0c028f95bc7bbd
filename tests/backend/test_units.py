"""Pieces without servers: rotating logs, merged log reading, the state lock."""

from __future__ import annotations

from pathlib import Path

import pytest

from pitstop.backend import state
from pitstop.backend.layout import paths_for
from pitstop.backend.procs import RotatingLog


def test_rotating_log_keeps_backups(tmp_path: Path) -> None:
    log = RotatingLog(tmp_path / "api.0.log", max_size=100, backups=2)
    for number in range(30):
        log.write(f"line {number:02d} {'x' * 20}\n".encode())
    log.close()
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files == ["api.0.log", "api.0.log.1", "api.0.log.2"]
    assert "line 29" in (tmp_path / "api.0.log").read_text() or \
        "line 29" in (tmp_path / "api.0.log.1").read_text()
    assert all(p.stat().st_size <= 100 + 40 for p in tmp_path.iterdir())


def test_lock_names_its_holder(tmp_path: Path) -> None:
    from pitstop.backend.state import BackendRunningError

    paths = paths_for(tmp_path)
    held = state.acquire(paths)
    state.claim(held, "supervisor pid 4242 (test)")
    assert state.is_locked(paths)
    with pytest.raises(BackendRunningError) as caught:
        state.acquire(paths)
    assert caught.value.exit_code == 4 and "supervisor pid 4242" in caught.value.message
    held.close()
    assert not state.is_locked(paths)
    state.acquire(paths).close()


def test_layout_ports_never_overlap(tmp_path: Path) -> None:
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from pitstop.backend.layout import processes
    from pitstop.backend.settings import AppSpec, BackendSettings
    from pitstop.errors import ConfigError

    apps = st.dictionaries(
        st.sampled_from(["api", "ws", "admin", "jobs"]),
        st.builds(AppSpec, app=st.just("m:app"), processes=st.integers(1, 4),
                  base_port=st.one_of(st.none(), st.integers(8000, 8020)),
                  spare_port=st.one_of(st.none(), st.integers(8000, 8030))),
        min_size=1, max_size=4)

    @settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(apps, st.integers(8000, 8030))
    def check(table: dict[str, AppSpec], gateway: int) -> None:
        backend = BackendSettings(gateway_port=gateway, apps=table)
        try:
            specs = processes(backend, "python")
        except ConfigError as exc:
            assert exc.exit_code == 3 and "backend.apps." in str(exc)
            return
        ports = [s.port for s in specs] + sorted({s.spare_port for s in specs}) + [gateway]
        assert len(ports) == len(set(ports))
        assert [s.name for s in specs] == [f"{a}.{i}" for a, spec in table.items()
                                          for i in range(spec.processes)]

    check()
