"""The runner: selection by name, concurrency, per-check timeouts, exit codes and the
health+json shape — against real local servers (slow, hanging, closed)."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Callable, Iterator

import jsonschema
import pytest
from hypothesis import given
from hypothesis import strategies as st

from pitstop.checks import check, to_health_json
from pitstop.checks.runner import check_env, configured_checks, select_checks
from pitstop.config import Settings
from pitstop.errors import ConfigError, UsageError

pytest_plugins = ["checks_support"]

Build = Callable[..., Settings]


class _GateHandler(http.server.BaseHTTPRequestHandler):
    """Answers 200 only once ``gate.parties`` requests are inside the server at the same
    time; a request that waits in vain answers 503 (checks run one after another)."""

    gate: threading.Barrier
    order: list[str]

    def do_GET(self) -> None:
        self.order.append(f"arrived {self.path}")
        try:
            self.gate.wait()
            status = 200
        except threading.BrokenBarrierError:
            status = 503
        self.order.append(f"answered {self.path}")
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def gate_server() -> Iterator[tuple[str, list[str]]]:
    """``(url, order)``: a server whose three requests are answered only when all three
    are in flight together (the proof of concurrency is the order, not seconds)."""
    order: list[str] = []
    handler = type("Gate", (_GateHandler,), {"gate": threading.Barrier(3, timeout=4),
                                             "order": order})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", order
    server.shutdown()
    server.server_close()
    thread.join()


def test_checks_run_concurrently(make_settings: Build,
                                 gate_server: tuple[str, list[str]]) -> None:
    url, order = gate_server
    settings = make_settings(
        "".join(f'[checks.http.s{i}]\nurl = "{url}/s{i}"\ntimeout = "8s"\n' for i in range(3)))
    done: list[tuple[int, int | None]] = []
    report = check(settings, names=["http"], progress=lambda n, total: done.append((n, total)))
    assert [r.status for r in report.results] == ["pass"] * 3, [r.message for r in report.results]
    # every request arrived before any was answered: the three checks were in flight at once
    assert [e.split()[0] for e in order] == ["arrived"] * 3 + ["answered"] * 3
    assert done == [(1, 3), (2, 3), (3, 3)]


def test_hanging_service_fails_within_its_timeout_and_does_not_stall_others(
        make_settings: Build, hanging_port: int, http_server: str) -> None:
    settings = make_settings(f"""
[checks.http.hang]
url = "http://127.0.0.1:{hanging_port}/health"
timeout = "1s"
[checks.http.ok]
url = "{http_server}/health"
""")
    report = check(settings, names=["http"])
    by_name = {r.name: r for r in report.results}
    assert by_name["http.ok"].status == "pass"
    assert by_name["http.hang"].status == "fail"
    assert by_name["http.hang"].exit_code == 4
    assert "no answer within 1 s" in by_name["http.hang"].message
    assert report.exit_code == 4


def test_database_on_hanging_socket_times_out(make_settings: Build, hanging_port: int) -> None:
    settings = make_settings("[checks]\ntimeout = 1\n",
                             database_url=f"postgresql://u:pw@127.0.0.1:{hanging_port}/db")
    report = check(settings, names=["database"])
    [result] = report.results
    assert result.status == "fail" and result.exit_code == 4
    assert "pw" not in result.message


def test_timeout_override_applies_to_every_check(make_settings: Build, http_server: str) -> None:
    settings = make_settings(f'[checks.http.slow]\nurl = "{http_server}/slow"\ntimeout = "5s"\n')
    report = check(settings, names=["http.slow"], timeout=0.3)
    assert report.results[0].status == "fail"
    assert report.results[0].exit_code == 4


def test_tcp_checks(make_settings: Build, closed_port: int, hanging_port: int) -> None:
    settings = make_settings(f"""
[checks.tcp.closed]
address = "127.0.0.1:{closed_port}"
[checks.tcp.open]
address = "127.0.0.1:{hanging_port}"
""")
    report = check(settings, names=["tcp"])
    by_name = {r.name: r for r in report.results}
    assert by_name["tcp.open"].status == "pass"
    assert by_name["tcp.closed"].status == "fail"
    assert "connection refused" in by_name["tcp.closed"].message
    assert by_name["tcp.closed"].hint
    assert report.exit_code == 4


def test_http_status_and_body_expectations(make_settings: Build, http_server: str) -> None:
    settings = make_settings(f"""
[checks.http.broken]
url = "{http_server}/broken"
[checks.http.accepts_503]
url = "{http_server}/broken"
expect_status = [200, 503]
[checks.http.body]
url = "{http_server}/health"
expect_body = "degraded"
""")
    report = check(settings, names=["http"])
    by_name = {r.name: r for r in report.results}
    assert by_name["http.broken"].status == "fail"
    assert "answered 503, expected 200" in by_name["http.broken"].message
    assert by_name["http.broken"].exit_code == 1
    assert by_name["http.accepts_503"].status == "pass"
    assert by_name["http.body"].status == "fail"
    assert report.exit_code == 1


def test_https_against_plain_server_is_a_tls_failure(make_settings: Build,
                                                       http_server: str) -> None:
    url = http_server.replace("http://", "https://")
    settings = make_settings(f'[checks.http.tls]\nurl = "{url}/health"\ntimeout = "2s"\n')
    [result] = check(settings, names=["http.tls"]).results
    assert result.status == "fail" and result.exit_code == 4
    assert result.hint and "TLS" in result.hint


def test_selection_by_kind_name_and_unknown(make_settings: Build, http_server: str) -> None:
    settings = make_settings(f"""
[checks.http.api]
url = "{http_server}/health"
[checks.http.web]
url = "{http_server}/health"
[checks.tcp.smtp]
address = "127.0.0.1:25"
""")
    env = check_env(settings, {})
    assert [c.name for c in select_checks(env, ["http"])] == ["http.api", "http.web"]
    assert [c.name for c in select_checks(env, ["http.web", "http"])] == ["http.web", "http.api"]
    defaults = [c.name for c in configured_checks(env)]
    assert defaults[:2] == ["env", "database"]
    assert "redis" not in defaults and "schema" not in defaults
    with pytest.raises(UsageError, match=r"did you mean 'http\.api'"):
        select_checks(env, ["http.apo"])
    with pytest.raises(UsageError, match="unknown check 'nope'"):
        select_checks(env, ["nope"])


def test_named_but_unconfigured_kind_says_what_is_missing(make_settings: Build) -> None:
    report = check(make_settings(""), names=["redis", "schema"])
    assert [(r.name, r.status, r.exit_code) for r in report.results] == [
        ("redis", "fail", 3), ("schema", "fail", 3)]
    assert report.exit_code == 3
    assert "REDIS_URL" in (report.results[0].hint or "")


@pytest.mark.parametrize("toml, key", [
    ('[checks.http.api]\nexpect_status = 200\n', "checks.http.api"),
    ('[checks.tcp.smtp]\naddress = "nohost"\n', "checks.tcp.smtp"),
    ('[checks]\ntimeout = "soon"\n', "checks.timeout"),
    ('[checks.env]\npython = "three"\n', "checks.env"),
    ('[checks.extensions]\nrequired = ["pg trgm"]\n', "checks.extensions"),
    ('[checks.redis]\nurll = "redis://x"\n', "checks.redis.urll"),
])
def test_bad_configuration_is_a_config_error(make_settings: Build, toml: str, key: str) -> None:
    with pytest.raises(ConfigError) as info:
        make_settings(toml)
    assert key in info.value.message
    assert info.value.exit_code == 3


HEALTH_SCHEMA = {
    "type": "object",
    "required": ["status", "checks"],
    "properties": {
        "status": {"enum": ["pass", "warn", "fail"]},
        "checks": {
            "type": "object",
            "additionalProperties": {
                "type": "array", "minItems": 1,
                "items": {
                    "type": "object",
                    "required": ["status", "time"],
                    "properties": {
                        "status": {"enum": ["pass", "warn", "fail"]},
                        "time": {"type": "string", "pattern": r"^\d{4}-\d\d-\d\dT.*Z$"},
                        "observedUnit": {"type": "string"},
                        "output": {"type": "string"},
                        "componentType": {"type": "string"},
                    },
                },
            },
        },
    },
}


def test_health_json_shape(make_settings: Build, http_server: str, closed_port: int) -> None:
    settings = make_settings(f"""
[checks.http.api]
url = "{http_server}/health"
[checks.tcp.down]
address = "127.0.0.1:{closed_port}"
""")
    document = to_health_json(check(settings, names=["http", "tcp"]))
    jsonschema.validate(document, HEALTH_SCHEMA)
    assert document["status"] == "fail"
    assert set(document["checks"]) == {"http.api", "tcp.down"}
    first = document["checks"]["http.api"][0]
    assert first["observedUnit"] == "ms" and first["status"] == "pass"
    measurements = {e["measurement"]: e for e in document["checks"]["http.api"]}
    assert measurements["status_code"]["observedValue"] == 200
    down = document["checks"]["tcp.down"][0]
    assert down["status"] == "fail" and down["exitCode"] == 4 and "hint" in down
    assert "tcp.down" in document["output"]


def test_strict_turns_warnings_into_failure(make_settings: Build) -> None:
    from pitstop.checks.base import CheckResult
    from pitstop.checks.runner import CheckReport

    warn = CheckReport((CheckResult("redis", "redis", "warn", "noeviction"),), 0.1)
    assert warn.exit_code == 0
    assert CheckReport(warn.results, 0.1, strict=True).exit_code == 1


def test_public_api_is_what_init_exports() -> None:
    import pitstop.checks

    for name in pitstop.checks.__all__:
        assert hasattr(pitstop.checks, name), name


@given(st.sampled_from(["127.0.0.1", "db.internal", "[::1]", "localhost"]),
       st.integers(1, 65535))
def test_parse_address_round_trip(host: str, port: int) -> None:
    from pitstop.checks.tcp import parse_address

    assert parse_address(f"{host}:{port}") == (host.strip("[]"), port)
    assert parse_address(f"tcp://{host}:{port}") == (host.strip("[]"), port)


@pytest.mark.parametrize("text", ["", "host", "host:", ":80", "host:0", "host:70000", "h:x"])
def test_parse_address_rejects(text: str) -> None:
    from pitstop.checks.tcp import parse_address

    with pytest.raises(ValueError, match="host:port"):
        parse_address(text)


def test_unresolvable_hosts_are_connection_errors(make_settings: Build) -> None:
    settings = make_settings("""
[checks.tcp.dns]
address = "no-such-host.invalid:25"
[checks.http.dns]
url = "http://no-such-host.invalid/health"
""", database_url="postgresql://u:secretpw@no-such-host.invalid/db")
    report = check(settings, names=["tcp", "http", "database"])
    assert [(r.name, r.status, r.exit_code) for r in report.results] == [
        ("tcp.dns", "fail", 4), ("http.dns", "fail", 4), ("database", "fail", 4)]
    assert all("no-such-host.invalid" in r.message for r in report.results)
    assert all("secretpw" not in r.message for r in report.results)
