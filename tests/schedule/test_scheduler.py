"""The scheduler on a simulated clock: a day with a DST change, overlap policies with a
task that outlasts its interval, catch-up after downtime, leases between schedulers."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from pitstop.errors import ConfigError
from pitstop.schedule.firings import Firings, Owner, epoch
from pitstop.state.store import StateStore

from .conftest import firings, scheduled_runs, utc, write_settings

BERLIN = ZoneInfo("Europe/Berlin")
Make = Callable[..., Any]


def test_a_simulated_day_with_a_dst_change_fires_exactly_the_expected_times(
        project: Path, make_scheduler: Make) -> None:
    settings = write_settings(project, """
[tasks.tick]
run = "true"
[schedules.night]
workflow = "tick"
cron = "30 2 * * *"
timezone = "Europe/Berlin"
overlap = "all"
[schedules.hourly]
workflow = "tick"
cron = "0 * * * *"
timezone = "Europe/Berlin"
overlap = "all"
[schedules.morning]
workflow = "tick"
cron = "0 30 7 * * MON-FRI,SUN"
timezone = "Europe/Berlin"
overlap = "all"
""")
    start = dt.datetime(2025, 3, 30, tzinfo=BERLIN)  # a Sunday; 02:00 CET -> 03:00 CEST
    end = start + dt.timedelta(days=1)
    scheduler, _clock, events = make_scheduler(settings, start - dt.timedelta(seconds=1))
    scheduler.tick()  # the first pass sets where the schedules start from
    scheduler.run(until=end - dt.timedelta(seconds=1))
    local = {name: [f.when.astimezone(BERLIN).strftime("%H:%M%z")
                    for f in firings(settings, name)] for name in ("night", "hourly", "morning")}
    assert local["night"] == ["03:00+0200"]  # 02:30 does not exist that day
    assert local["hourly"] == ["00:00+0100", "01:00+0100"] + [f"{h:02d}:00+0200"
                                                              for h in range(3, 24)]
    assert local["morning"] == ["07:30+0200"]
    every = [f for name in local for f in firings(settings, name)]
    assert {f.status for f in every} == {"done"} and {f.trigger for f in every} == {"schedule"}
    runs = scheduled_runs(settings)
    assert len(runs) == len(every) == 25
    assert {r.status for r in runs} == {"success"} and {r.trigger for r in runs} == {"schedule"}
    night = next(r for r in runs if r.params["schedule"] == "night")
    assert night.params["fired_at"] == "2025-03-30T01:00:00+00:00"
    assert {(f.schedule, f.run_id) for f in every} == \
        {(r.params["schedule"], r.id) for r in runs}
    assert len(events.of("started")) == len(events.of("finished")) == 25


WAITING_TASK = """
[tasks.long]
run = "while [ ! -e {release} ]; do sleep 0.05; done"
[schedules.often]
workflow = "long"
cron = "*/10 * * * * *"
overlap = "{overlap}"
"""


@pytest.mark.parametrize("overlap", ["skip", "all", "latest"])
def test_overlap_with_a_task_that_outlasts_its_interval(project: Path, make_scheduler: Make,
                                                        overlap: str) -> None:
    release = project / "release"
    settings = write_settings(project, WAITING_TASK.format(release=release, overlap=overlap))
    t0 = utc("2025-06-01T12:00:00+00:00")
    scheduler, clock, events = make_scheduler(settings, t0)
    scheduler.tick()
    for step in (1, 2, 3):  # firings at :10, :20, :30 while the first run is still going
        clock.advance(to=t0 + dt.timedelta(seconds=10 * step))
        scheduler.tick()
        if step == 1:
            events.wait_for("started")
    if overlap == "all":
        events.wait_for("started", 3)
    status = {f.when.second: f.status for f in firings(settings, "often")}
    expected = {"skip": {10: "running", 20: "skipped", 30: "skipped"},
                "all": {10: "running", 20: "running", 30: "running"},
                "latest": {10: "running", 20: "skipped", 30: "waiting"}}[overlap]
    assert status == expected
    release.touch()
    assert scheduler.wait_for_runs(60)
    if overlap == "latest":
        clock.advance(1)
        scheduler.tick()  # the previous run ended: the latest waiting firing runs
        events.wait_for("finished", 2)
        assert scheduler.wait_for_runs(60)
    final = firings(settings, "often")
    runs = {f.when.second for f in final if f.status == "done"}
    assert runs == {"skip": {10}, "all": {10, 20, 30}, "latest": {10, 30}}[overlap]
    notes = {f.when.second: f.note or "" for f in final}
    if overlap == "skip":
        assert "still going (overlap = skip)" in notes[20]
    if overlap == "latest":
        assert "superseded by the firing at" in notes[20]
    assert len(scheduled_runs(settings)) == len(runs)


CATCHUP = """
[tasks.tick]
run = "true"
[schedules.every2h]
workflow = "tick"
cron = "0 */2 * * *"
catchup = "{catchup}"
[schedules.hourly]
workflow = "tick"
cron = "0 * * * *"
catchup = "6h"
[schedules.never]
workflow = "tick"
cron = "0 * * * *"
"""


@pytest.mark.parametrize("catchup", ["6h", "1h"])
def test_catch_up_after_three_hours_down(project: Path, make_scheduler: Make,
                                         catchup: str) -> None:
    settings = write_settings(project, CATCHUP.format(catchup=catchup))
    first, clock, _ = make_scheduler(settings, utc("2025-06-01T01:30:00+00:00"))
    first.tick()
    clock.advance(to=utc("2025-06-01T02:00:00+00:00"))
    first.tick()  # every2h, hourly and never fire at 02:00
    assert first.wait_for_runs(60)
    first.close()
    # no scheduler from 02:30 to 05:30; the next one starts then
    second, clock2, _events = make_scheduler(settings, utc("2025-06-01T05:30:00+00:00"))
    second.tick()
    assert second.wait_for_runs(60)
    hourly = [(f.when.hour, f.trigger, f.status) for f in firings(settings, "hourly")]
    assert hourly == [(2, "schedule", "done"), (5, "catchup", "done")]  # once, the latest
    catchup_firing = firings(settings, "hourly")[-1]
    assert "3 firing(s) missed" in (catchup_firing.note or "")
    every2h = [(f.when.hour, f.trigger, f.status) for f in firings(settings, "every2h")]
    if catchup == "6h":
        assert every2h == [(2, "schedule", "done"), (4, "catchup", "done")]
    else:  # 04:00 is 1.5 hours before the restart: outside the window, not run
        assert every2h == [(2, "schedule", "done"), (4, "schedule", "missed")]
    never = [(f.when.hour, f.status) for f in firings(settings, "never")]
    assert never == [(2, "done"), (5, "missed")]
    catchup_runs = [r for r in scheduled_runs(settings) if r.trigger == "catchup"]
    assert len(catchup_runs) == (2 if catchup == "6h" else 1)
    # it goes on normally from there
    clock2.advance(to=utc("2025-06-01T06:00:00+00:00"))
    second.tick()
    assert second.wait_for_runs(60)
    assert firings(settings, "hourly")[-1].when.hour == 6
    assert firings(settings, "hourly")[-1].trigger == "schedule"


def test_two_schedulers_on_one_store_fire_each_firing_once(project: Path,
                                                           make_scheduler: Make) -> None:
    settings = write_settings(project, """
[tasks.tick]
run = "true"
[schedules.fast]
workflow = "tick"
cron = "* * * * * *"
overlap = "all"
""")
    t0 = utc("2025-06-01T12:00:00+00:00")
    a, clock, _ = make_scheduler(settings, t0)
    b, _, _ = make_scheduler(settings, t0, clock=clock)
    a.tick()
    b.tick()
    for second in range(1, 31):
        clock.advance(to=t0 + dt.timedelta(seconds=second))
        (a if second % 2 else b).tick()
        (b if second % 2 else a).tick()
    assert a.wait_for_runs(60) and b.wait_for_runs(60)
    fired = firings(settings, "fast")
    assert [f.when.second for f in fired] == list(range(1, 31))
    owners = {f.owner for f in fired}
    assert owners == {a.owner.id, b.owner.id}
    runs = scheduled_runs(settings)
    assert sorted(r.params["fired_at"] for r in runs) == \
        sorted(f.when.isoformat() for f in fired)


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_leases_of_a_dead_scheduler(project: Path, make_scheduler: Make) -> None:
    settings = write_settings(project, """
[tasks.tick]
run = "true"
[schedules.nightly]
workflow = "tick"
cron = "0 3 * * *"
""")
    now = utc("2025-06-01T03:00:20+00:00")
    scheduler, _, events = make_scheduler(settings, now)
    dead = Owner("gone:1:x", scheduler.owner.host, _dead_pid())
    with StateStore.open(settings.state.url) as store:
        ghost = Firings(store, dead, lease_timeout=60)
        # claimed at 03:00 but its scheduler died before starting it
        assert ghost.claim("nightly", epoch(utc("2025-06-01T03:00:00+00:00")), "schedule")
        # yesterday's, running when its scheduler died
        assert ghost.claim("nightly", epoch(utc("2025-05-31T03:00:00+00:00")), "schedule")
        ghost.move("nightly", epoch(utc("2025-05-31T03:00:00+00:00")), "running",
                   expect=("claimed",), run_id="deadbeef0000")
    scheduler.tick()
    assert scheduler.wait_for_runs(60)
    rows = {f.when.day: f for f in firings(settings, "nightly")}
    assert rows[31].status == "abandoned" and "died" in (rows[31].note or "")
    assert rows[1].status == "done" and rows[1].owner == scheduler.owner.id
    assert len(scheduled_runs(settings)) == 1  # taken over and run once
    assert [e.action for e in events.events] == ["abandoned", "started", "finished"]


def test_bad_schedules_are_config_errors_naming_them(project: Path) -> None:
    base = "[tasks.tick]\nrun = 'true'\n"
    cases = [
        ("[schedules.s]\nworkflow = 'tick'\ncron = '0 25 * * *'\n", r"schedules\.s\.cron.*Bad hour"),
        ("[schedules.s]\nworkflow = 'tick'\ncron = '0 1 * * *'\ntimezone = 'Nowhere/Land'\n",
         r"schedules\.s\.timezone.*unknown time zone"),
        ("[schedules.s]\ncron = '0 1 * * *'\n", r"schedules\.s\.workflow.*required"),
        ("[schedules.s]\nworkflow = 'tick'\ncron = '0 1 * * *'\noverlap = 'some'\n",
         r"schedules\.s\.overlap"),
    ]
    for text, words in cases:
        with pytest.raises(ConfigError, match=words):
            write_settings(project, base + text)


def test_schedule_targets_and_params_are_checked_at_start(project: Path,
                                                          make_scheduler: Make) -> None:
    now = utc("2025-06-01T00:00:00+00:00")
    settings = write_settings(project, """
[tasks.tick]
run = "echo {{ params.label }} > label.txt"
[workflows.w]
steps = ["tick"]
params = { label = { required = true }, token = { secret = true } }
[schedules.s]
workflow = "w"
cron = "* * * * *"
params = { label = "nightly", token = "${DEPLOY_TOKEN}" }
""", env={"DEPLOY_TOKEN": "tok-123456789"})
    scheduler, clock, _ = make_scheduler(settings, now)
    assert scheduler.schedules["s"].params == {"label": "nightly", "token": "tok-123456789"}
    scheduler.tick()
    clock.advance(60)
    scheduler.tick()
    assert scheduler.wait_for_runs(60)
    assert (project / "label.txt").read_text() == "nightly\n"
    run = scheduled_runs(settings)[0]
    assert run.params["params"] == {"label": "nightly", "token": "***"}
    with pytest.raises(ConfigError, match=r"schedules\.s\.params\.token.*DEPLOY_TOKEN"):
        make_scheduler(write_settings(project, (project / "pitstop.toml").read_text()), now)
    bad = (project / "pitstop.toml").read_text().replace('workflow = "w"', 'workflow = "x"')
    with pytest.raises(ConfigError, match="schedule 's': no workflow or task named 'x'"):
        make_scheduler(write_settings(project, bad, env={"DEPLOY_TOKEN": "t"}), now)


def test_a_scheduler_in_a_thread_starts_and_stops(project: Path, make_scheduler: Make) -> None:
    from pitstop.schedule.clock import SystemClock

    settings = write_settings(project, """
[tasks.tick]
run = "true"
[schedules.fast]
workflow = "tick"
cron = "* * * * * *"
""")
    scheduler, _, events = make_scheduler(settings, dt.datetime.now(dt.UTC), clock=SystemClock(),
                                          heartbeat=0.2)
    scheduler.start()
    events.wait_for("finished", 2)
    scheduler.stop()
    assert not scheduler._thread or not scheduler._thread.is_alive()
    fired = firings(settings, "fast")
    assert len([f for f in fired if f.status == "done"]) >= 2
    assert not [f for f in fired if f.status in ("claimed", "running", "waiting")]
    assert scheduler.wait_for_runs(0)


def test_stopping_interrupts_runs_in_flight_and_records_them(project: Path,
                                                             make_scheduler: Make) -> None:
    settings = write_settings(project, """
[tasks.forever]
run = "sleep 300"
[schedules.long]
workflow = "forever"
cron = "0 * * * *"
""")
    t0 = utc("2025-06-01T11:59:59+00:00")
    scheduler, clock, events = make_scheduler(settings, t0, stop_grace=0.0)
    scheduler.tick()
    clock.advance(1)
    scheduler.tick()
    events.wait_for("started")
    scheduler.stop(wait=False, cancel_runs=True)
    assert scheduler.wait_for_runs(60)
    finished = events.wait_for("finished")[0]
    assert finished.status == "interrupted"
    run = scheduled_runs(settings)[0]
    assert run.status == "interrupted" and run.exit_code == 130
    assert firings(settings, "long")[0].status == "done"
