"""The ``http`` checks: each ``[checks.http.NAME]`` URL must answer with an expected
status (and body text) within its timeout."""

from __future__ import annotations

import time

from pitstop.checks.base import (
    Check,
    CheckEnv,
    FunctionCheck,
    Observed,
    Probe,
    register,
    timeout_for,
)
from pitstop.checks.settings import HttpCheckSettings
from pitstop.errors import ConnectError
from pitstop.redact import mask_url


def http_request(url: str, *, method: str = "GET", timeout: float,
                 headers: dict[str, str] | None = None, verify: bool = True
                 ) -> tuple[int, bytes, float]:
    """``(status, body, seconds)`` of one request; :class:`ConnectError` when the
    server cannot be reached, does not answer in time or the TLS handshake fails."""
    import httpx

    where = mask_url(url)
    started = time.perf_counter()
    try:
        tls = url.lower().startswith("https://")
        with httpx.Client(timeout=timeout, verify=verify and tls, follow_redirects=False,
                          trust_env=False) as client:
            response = client.request(method, url, headers=headers)
            return response.status_code, response.content, time.perf_counter() - started
    except httpx.TimeoutException:
        raise ConnectError(f"{where}: no answer within {timeout:g} s",
                           hint="the server accepted the connection but did not answer: "
                                "is it overloaded or stuck?") from None
    except httpx.ConnectError as exc:
        text = str(exc) or type(exc).__name__
        hint = "is the server running and the URL right?"
        if "ssl" in text.lower() or "certificate" in text.lower():
            hint = ("the TLS handshake failed: use http:// for a plain server, or fix the "
                    "certificate (verify_tls = false skips verification)")
        raise ConnectError(f"cannot connect to {where}: {text}", hint=hint) from None
    except httpx.HTTPError as exc:
        raise ConnectError(f"{where}: {type(exc).__name__}: {exc}",
                           hint="the server answered with something that is not HTTP: "
                                "is this the right port and scheme?") from None


def probe_http(cfg: HttpCheckSettings, timeout: float) -> Probe:
    status, body, seconds = http_request(cfg.url, method=cfg.method, timeout=timeout,
                                         headers=dict(cfg.headers), verify=cfg.verify_tls)
    observed = {
        "status_code": Observed(status, None, None if status in cfg.expected else "fail"),
        "response_time": Observed(round(seconds * 1000, 3), "ms"),
        "body_size": Observed(len(body), "bytes"),
    }
    where = mask_url(cfg.url)
    if status not in cfg.expected:
        wanted = " or ".join(str(s) for s in cfg.expected)
        return Probe(f"{cfg.method} {where} answered {status}, expected {wanted}", observed,
                     "fail", "look at the service's logs")
    if cfg.expect_body is not None and cfg.expect_body.encode() not in body:
        return Probe(f"{cfg.method} {where} answered {status} without {cfg.expect_body!r} "
                     "in the body", observed, "fail",
                     "the endpoint answers but reports something unexpected")
    return Probe(f"{cfg.method} {where} → {status}", observed, "pass")


def _factory(env: CheckEnv) -> list[Check]:
    return [
        FunctionCheck(f"http.{name}", "http", timeout_for(cfg.timeout, env.checks),
                      lambda t, c=cfg: probe_http(c, t), ("httpx",))  # type: ignore[misc]
        for name, cfg in env.checks.http.items()
    ]


register("http", _factory)
