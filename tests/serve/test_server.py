"""`pitstop serve` as people start it: refusals before binding (no admin, an open
address without TLS), a real uvicorn on 127.0.0.1 behind a proxy and over TLS, and the
web extra missing."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from pitstop.cli.main import main
from pitstop.config import Settings
from pitstop.serve.server import check_bind, is_loopback
from pitstop.serve.settings import ServeSettings

from .conftest import PASSWORDS, add_users, load, serve_process, write_project


@pytest.mark.parametrize(("host", "loopback"), [
    ("127.0.0.1", True), ("127.3.4.5", True), ("::1", True), ("[::1]", True),
    ("localhost", True), ("0.0.0.0", False), ("::", False), ("192.168.1.10", False),
    ("example.com", False)])
def test_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_open_address_needs_tls_or_a_proxy(tmp_path: Path) -> None:
    from pitstop.errors import UsageError

    with pytest.raises(UsageError, match=r"refusing to listen on 0\.0\.0\.0") as caught:
        check_bind(ServeSettings(host="0.0.0.0"))
    assert "behind_proxy" in (caught.value.hint or "") and "tls_cert" in (caught.value.hint or "")
    check_bind(ServeSettings(host="0.0.0.0", behind_proxy=True))
    check_bind(ServeSettings(host="0.0.0.0", tls_cert=tmp_path / "c", tls_key=tmp_path / "k"))


def test_refuses_to_start_without_an_admin(project: Path, sqlite_state: str,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    write_project(project, sqlite_state)
    assert main(["serve"]) == 3
    err = capsys.readouterr().err
    assert "no admin user" in err and "pitstop user add NAME --role admin" in err


def test_refuses_an_open_address(served_sqlite: Settings,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--host", "0.0.0.0"]) == 3
    assert "refusing to listen on 0.0.0.0" in capsys.readouterr().err
    assert main(["serve", "--tls-cert", "x.pem"]) == 3  # without --tls-key


def _login(http: httpx.Client, base: str, headers: dict[str, str]) -> httpx.Response:
    import re

    form = http.get(f"{base}/login", headers=headers)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token
    # sent by hand: a client keeps a Secure cookie only for https, and here the proxy
    # (this test) talks plain HTTP to pitstop while its visitors use HTTPS
    cookie = form.headers["set-cookie"].split(";")[0]
    return http.post(f"{base}/login", headers={**headers, "Cookie": cookie},
                     data={"username": "vera", "password": PASSWORDS["vera"],
                           "csrf_token": token.group(1)})


def test_behind_a_proxy_cookies_are_secure_when_it_says_https(served_sqlite: Settings) -> None:
    for proc, port in serve_process(served_sqlite.project_dir, "--behind-proxy"):
        base = f"http://127.0.0.1:{port}"
        with httpx.Client() as http:
            assert http.get(f"{base}/healthz").json() == {"status": "ok"}
            plain = _login(http, base, {})
            assert plain.status_code == 303
            assert "secure" not in plain.headers["set-cookie"].lower()
        with httpx.Client() as http:
            proxied = _login(http, base, {"X-Forwarded-Proto": "https",
                                          "X-Forwarded-For": "203.0.113.7"})
            assert proxied.status_code == 303
            assert "Secure" in proxied.headers["set-cookie"]
            assert proxied.headers["strict-transport-security"]
        assert proc.poll() is None
    trail = load(served_sqlite.project_dir)
    from pitstop.state.audit import AuditTrail
    from pitstop.state.store import StateStore

    with StateStore.open(trail.state.url) as store:
        addresses = {e.address for e in AuditTrail(store.engine).entries()}
    assert addresses == {"127.0.0.1", "203.0.113.7"}


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is not installed")
def test_over_tls(served_sqlite: Settings, tmp_path: Path) -> None:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    for _proc, port in serve_process(served_sqlite.project_dir, "--host", "127.0.0.1",
                              "--tls-cert", str(cert), "--tls-key", str(key)):
        import ssl

        with httpx.Client(verify=ssl.create_default_context(cafile=str(cert))) as http:
            answer = _login(http, f"https://127.0.0.1:{port}", {})
            assert answer.status_code == 303 and "Secure" in answer.headers["set-cookie"]
            assert answer.headers["strict-transport-security"] == "max-age=31536000"


def test_without_the_web_extra_exit_2(project: Path, sqlite_state: str) -> None:
    write_project(project, sqlite_state)
    add_users(load(project))
    blocker = ("import sys\n"
               "class Block:\n"
               "    def find_spec(self, name, path=None, target=None):\n"
               "        if name.split('.')[0] in ('uvicorn', 'argon2'):\n"
               "            raise ImportError(f'No module named {name!r}', name=name)\n"
               "sys.meta_path.insert(0, Block())\n"
               "from pitstop.cli.main import main\n"
               "sys.exit(main(sys.argv[1:]))\n")
    for args in (["serve"], ["user", "add", "x", "--role", "viewer", "--password-stdin"]):
        result = subprocess.run([sys.executable, "-c", blocker, *args], cwd=project,
                                input="long enough password\n", capture_output=True, text=True)
        assert result.returncode == 2, result.stderr
        assert "pip install 'pitstop[web]'" in result.stderr
