"""OpenAPI validation in a second pitstop process, while the clients are generated.

openapi-spec-validator is thorough and slow (a JSON Schema 2020-12 pass with dynamic
references, a few hundred milliseconds per document, plus its import); run beside the
generator it costs no wall time on a machine with two cores.  The worker is this
module run as ``python -m pitstop.api.validation``: documents as JSON on stdin, one
problem (or ``null``) per module as JSON on stdout.
"""

from __future__ import annotations

import json
import sys
import tempfile
import threading
from typing import Any

from pitstop import proc
from pitstop.api.errors import ApiError, require


class BackgroundValidation:
    """Validation of ``documents`` (module → OpenAPI document), started at once;
    :meth:`wait` raises :class:`ApiError` for the first invalid one."""

    def __init__(self, documents: dict[str, dict[str, Any]]) -> None:
        self.documents = documents
        self.proc: proc.Process | None = None
        if not documents:
            return
        require("openapi_spec_validator", "openapi-spec-validator")
        self.errors = tempfile.TemporaryFile()  # noqa: SIM115 - closed by wait() or cancel()
        self.proc = proc.start([sys.executable, "-m", "pitstop.api.validation"], cwd=None,
                               env=None, stdin=proc.PIPE, stdout=proc.PIPE,
                               stderr=self.errors)
        payload = json.dumps(documents).encode()
        self.writer = threading.Thread(target=self._send, args=(payload,), daemon=True)
        self.writer.start()

    def _send(self, payload: bytes) -> None:
        assert self.proc is not None and self.proc.popen.stdin is not None
        try:
            self.proc.popen.stdin.write(payload)
            self.proc.popen.stdin.close()
        except OSError:
            pass  # it died: wait() reports it

    def wait(self) -> None:
        if self.proc is None:
            return
        self.writer.join()
        assert self.proc.popen.stdout is not None
        with self.proc.popen.stdout:
            out = self.proc.popen.stdout.read()
        self.proc.wait()
        self.errors.seek(0)
        err = self.errors.read()
        self.errors.close()
        if self.proc.returncode != 0:
            said = err.decode("utf-8", "replace").strip().splitlines()
            raise ApiError("the OpenAPI validator failed: "
                           + (said[-1] if said else f"exit status {self.proc.returncode}"))
        problems = json.loads(out.decode("utf-8"))
        for module in sorted(problems):
            if problems[module]:
                raise ApiError(f"module {module}: the OpenAPI document is invalid at "
                               f"{problems[module]}",
                               hint="fix the route or model it names; `pitstop api spec "
                                    f"{module}` prints the document")

    def cancel(self) -> None:
        if self.proc is None:
            return
        self.proc.stop(grace=0)
        self.writer.join()
        if self.proc.popen.stdout is not None:
            self.proc.popen.stdout.close()
        self.errors.close()


def problem(document: dict[str, Any]) -> str | None:
    """``where: what`` of the first problem openapi-spec-validator finds, or ``None``."""
    from openapi_spec_validator import validate
    from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

    try:
        validate(document)
    except OpenAPIValidationError as exc:
        where = "/".join(str(p) for p in getattr(exc, "absolute_path", ()) or ())
        return f"{where or 'its top level'}: {getattr(exc, 'message', exc)}"
    return None


def _worker() -> int:
    documents = json.loads(sys.stdin.buffer.read().decode("utf-8"))
    json.dump({module: problem(doc) for module, doc in documents.items()}, sys.stdout)
    return 0


if __name__ == "__main__":
    raise SystemExit(_worker())
