"""Real receivers on 127.0.0.1: an HTTP server that records requests and answers as
told, and an SMTP server (aiosmtpd) with STARTTLS, TLS and authentication."""

from __future__ import annotations

import dataclasses
import http.server
import socket
import ssl
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from pitstop.cli.main import main


@dataclasses.dataclass
class Request:
    path: str
    headers: dict[str, str]
    body: bytes


class Receiver:
    """An HTTP receiver: records each POST, answers with the next status of
    ``statuses`` (then 200)."""

    def __init__(self) -> None:
        self.requests: list[Request] = []
        self.statuses: list[int] = []
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                receiver.requests.append(Request(self.path, dict(self.headers), body))
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                answer = b"ok" if status < 300 else b"not now"
                self.send_response(status)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *_args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook/T0K3N-path"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.close()


@pytest.fixture
def closed_port() -> int:
    """A port on 127.0.0.1 nothing listens on: a receiver that is down."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def tls(tmp_path: Path) -> tuple[ssl.SSLContext, Path]:
    """A server TLS context for 127.0.0.1 and the CA file a client trusts it with."""
    import trustme

    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(context)
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    return context, ca_file


@dataclasses.dataclass
class Mailbox:
    port: int
    messages: list[Any]
    logins: list[tuple[str, str]]


@pytest.fixture
def smtp_server(tls: tuple[ssl.SSLContext, Path]) -> Iterator[Callable[..., Mailbox]]:
    """Start an aiosmtpd server: ``security`` ``starttls`` (with authentication),
    ``tls`` (TLS from the first byte) or ``none``."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword

    controllers: list[Any] = []

    def start(security: str = "starttls", password: str = "s3cret-pw") -> Mailbox:
        box = Mailbox(0, [], [])

        class Handler:
            async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
                box.messages.append(envelope)
                return "250 2.0.0 Ok: queued as TEST123"

        def authenticate(server: Any, session: Any, envelope: Any, mechanism: str,
                         auth_data: Any) -> AuthResult:
            if isinstance(auth_data, LoginPassword):
                user, given = auth_data.login.decode(), auth_data.password.decode()
                box.logins.append((user, given))
                return AuthResult(success=given == password, handled=False)
            return AuthResult(success=False, handled=False)

        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            box.port = sock.getsockname()[1]
        context = tls[0]
        options: dict[str, Any] = {}
        if security == "starttls":
            options = {"tls_context": context, "require_starttls": True,
                       "authenticator": authenticate, "auth_require_tls": True}
        elif security == "tls":
            options = {"ssl_context": context, "authenticator": authenticate,
                       "auth_require_tls": False}
        controller = Controller(Handler(), hostname="127.0.0.1", port=box.port, **options)
        controller.start()
        controllers.append(controller)
        return box

    yield start
    for controller in controllers:
        controller.stop()


def cli(*args: str) -> int:
    return main(list(args))


def write(project: Path, text: str) -> None:
    (project / "pitstop.toml").write_text(text, encoding="utf-8")


def everything_stored(project: Path) -> bytes:
    """Every byte pitstop keeps under .pitstop/ (state, WAL, logs)."""
    return b"".join(p.read_bytes() for p in sorted((project / ".pitstop").rglob("*"))
                    if p.is_file())
