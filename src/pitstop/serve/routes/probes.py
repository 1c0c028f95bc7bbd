"""For whoever runs pitstop in a container: ``/metrics`` (Prometheus, the names of the
textfile), ``/healthz`` (the process answers), ``/readyz`` (the state store answers);
and ``/api/docs``, the API's endpoints read from its OpenAPI document."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, PlainTextResponse, Response

from pitstop.serve.web import NotAuthenticated, authenticate, context, render

router = APIRouter(include_in_schema=False)
METRICS_TYPE = "text/plain; version=0.0.4; charset=utf-8"


@router.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


def _ping(ctx: Any) -> None:
    import sqlalchemy as sa

    with ctx.store.engine.connect() as conn:
        conn.execute(sa.text("SELECT 1"))


@router.get("/readyz")
async def readyz(request: Request) -> Response:
    ctx = context(request)
    try:
        await run_in_threadpool(_ping, ctx)
    except Exception:
        import logging

        logging.getLogger("pitstop.serve").warning("readyz: the state store does not answer",
                                                   exc_info=True)
        return JSONResponse({"status": "unavailable", "state_store": "unreachable"},
                            status_code=503)
    return JSONResponse({"status": "ready"})


@router.get("/metrics")
async def metrics(request: Request) -> Response:
    ctx = context(request)
    if not ctx.conf.metrics_public and await authenticate(request) is None:
        raise NotAuthenticated()
    from pitstop.metrics import render_metrics

    text = await run_in_threadpool(render_metrics, ctx.store)
    return PlainTextResponse(text, media_type=METRICS_TYPE)


@router.get("/api/docs")
def api_docs(request: Request) -> Response:
    schema = request.app.openapi()
    endpoints = []
    for path, methods in sorted(schema.get("paths", {}).items()):
        for method, operation in methods.items():
            params = [p.get("name") for p in operation.get("parameters", ())
                      if p.get("in") == "query"]
            endpoints.append({"method": method.upper(), "path": path,
                              "summary": operation.get("summary", ""), "query": params})
    return render(request, "api_docs.html", endpoints=endpoints,
                  version=schema.get("info", {}).get("version", ""))
