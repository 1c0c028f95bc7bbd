"""POSTing to a receiver over HTTP(S) with httpx: what webhooks and Slack share."""

from __future__ import annotations

from collections.abc import Mapping

from pitstop.notify.senders import Answer, Target
from pitstop.redact import redact

RETRY_STATUSES = (408, 425, 429, 500, 502, 503, 504)


def post(target: Target, url: str, body: bytes, headers: Mapping[str, str]) -> Answer:
    """POST ``body``; 2xx is success, 408/429/5xx and transport errors may be retried."""
    import ssl

    import httpx

    from pitstop import __version__

    spec = target.spec
    verify: ssl.SSLContext | bool = True
    if spec.ca_file is not None:
        verify = ssl.create_default_context(cafile=str(spec.ca_file))
    try:
        with httpx.Client(timeout=spec.timeout, verify=verify, follow_redirects=False) as client:
            response = client.post(url, content=body, headers={
                "Content-Type": "application/json", "User-Agent": f"pitstop/{__version__}",
                **headers})
    except httpx.TimeoutException as exc:
        return Answer(False, f"no answer within {spec.timeout:g}s ({type(exc).__name__})",
                      retry=True, answered=False)
    except httpx.TransportError as exc:
        return Answer(False, redact(f"cannot connect: {exc or type(exc).__name__}"), retry=True,
                      answered=False)
    text = " ".join(response.text.split())[:200]
    answer = f"HTTP {response.status_code}" + (f": {text}" if text else "")
    return Answer(response.is_success, redact(answer),
                  retry=response.status_code in RETRY_STATUSES)
