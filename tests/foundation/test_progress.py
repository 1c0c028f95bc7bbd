"""The one progress seam on the terminal (pitstop.cli.progress)."""

from __future__ import annotations

import pytest

from pitstop.cli import progress


def test_progress_bar_on_a_terminal(monkeypatch: pytest.MonkeyPatch,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr("pitstop.output.stderr_is_terminal", lambda: True)
    monkeypatch.setattr(progress, "SHOW_AFTER_SECONDS", 0.0)
    with progress.progress_bar("backup", unit="bytes") as update:
        assert update is not None
        for done in range(0, 5_000_001, 1_000_000):
            update(done, 5_000_000)
    with progress.progress_bar("snapshot", unit="files") as update:
        assert update is not None
        update(3, None)
    assert capsys.readouterr().out == ""  # progress never goes to stdout


def test_progress_bar_off_when_piped() -> None:
    with progress.progress_bar("backup", unit="bytes") as update:
        assert update is None


def test_no_command_draws_its_own_bar() -> None:
    """Every CLI progress bar goes through pitstop.cli.progress."""
    from pathlib import Path

    import pitstop.cli

    cli = Path(pitstop.cli.__file__).parent
    drawing = [p.name for p in cli.glob("*.py")
               if p.name != "progress.py" and "rich.progress" in p.read_text()]
    assert drawing == []
