from __future__ import annotations

from pathlib import Path

import pytest

from pitstop.engine.planner import plan
from pitstop.errors import ConfigError
from pitstop.registry import load_settings, tasks


def settings_for(tmp_path: Path, text: str):  # type: ignore[no-untyped-def]
    (tmp_path / "pitstop.toml").write_text(text, encoding="utf-8")
    return load_settings(tmp_path, env={})


def test_workflow_steps_become_levels(tmp_path: Path) -> None:
    s = settings_for(tmp_path, """
[tasks.a]
run = "true"
[tasks.b]
run = "true"
[tasks.c]
run = "true"
[tasks.d]
run = "true"
[workflows]
w = ["a", ["b", "c"], "d"]
""")
    p = plan(s, "w", tasks())
    assert p.levels() == [["a"], ["b", "c"], ["d"]]
    assert p.deps["d"] == {"b", "c"} and p.deps["b"] == {"a"}
    assert p.dependents("a") == {"b", "c", "d"}


def test_needs_add_edges_and_pull_in_tasks(tmp_path: Path) -> None:
    s = settings_for(tmp_path, """
[tasks.prep]
run = "true"
[tasks.a]
run = "true"
[tasks.b]
run = "true"
needs = ["a"]
[tasks.seed]
run = "true"
needs = ["prep"]
[workflows]
w = [["a", "b"], "seed"]
""")
    p = plan(s, "w", tasks())
    assert p.deps["b"] == {"a"}
    assert "prep" in p.tasks and p.deps["seed"] == {"a", "b", "prep"}
    assert p.order.index("prep") < p.order.index("seed")
    single = plan(s, "seed", tasks())
    assert single.kind == "task" and single.order == ("prep", "seed")


def test_cycle_is_a_config_error_naming_the_cycle(tmp_path: Path) -> None:
    s = settings_for(tmp_path, """
[tasks.a]
run = "true"
needs = ["c"]
[tasks.b]
run = "true"
needs = ["a"]
[tasks.c]
run = "true"
needs = ["b"]
""")
    with pytest.raises(ConfigError, match=r"dependency cycle: (a|b|c) -> .* -> \1") as info:
        plan(s, "a", tasks())
    assert str(tmp_path / "pitstop.toml") in str(info.value)


def test_cycle_through_workflow_order(tmp_path: Path) -> None:
    s = settings_for(tmp_path, """
[tasks.a]
run = "true"
needs = ["b"]
[tasks.b]
run = "true"
[workflows]
w = ["a", "b"]
""")
    with pytest.raises(ConfigError, match="cycle"):
        plan(s, "w", tasks())


@pytest.mark.parametrize(("text", "target", "needle"), [
    ("[workflows]\nw = ['nope']\n", "w", "unknown task 'nope'"),
    ("[tasks.a]\nrun='true'\nneeds=['ghost']\n", "a", "[tasks.a.needs]"),
    ("[tasks.a]\nrun='true'\n", "b", "no workflow or task named 'b'"),
    ("[tasks.a]\nrun='true'\n[workflows]\nw=['a','a']\n", "w", "appears twice"),
    ("[tasks.custom]\ntimeout='1s'\n", "custom", "not a built-in task"),
    ("[workflows]\nw = ['db-inti']\n", "w", "did you mean 'db-init'"),
])
def test_plan_errors(tmp_path: Path, text: str, target: str, needle: str) -> None:
    s = settings_for(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        plan(s, target, tasks())
    assert needle in str(info.value)


def test_builtin_can_be_extended(tmp_path: Path) -> None:
    s = settings_for(tmp_path, "[tasks.pre]\nrun='true'\n[tasks.db-init]\nneeds=['pre']\n"
                               "timeout='5s'\n")
    p = plan(s, "db-init", tasks())
    assert p.order == ("pre", "db-init")
    task = p.tasks["db-init"]
    assert task.kind == "builtin" and task.spec.timeout == 5
