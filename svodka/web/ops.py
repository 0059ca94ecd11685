"""Operational endpoints: health, Prometheus metrics, a hello-world for benchmarks, and the sources OPML."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy import text

from svodka.store import read
from svodka.web.feeds_out import sources_opml
from svodka.web.respond import conditional

router = APIRouter(include_in_schema=False)


@router.get("/healthz")
def healthz(request: Request) -> Response:
    """200 when the database answers, 503 otherwise."""
    try:
        with request.app.state.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - health must report, not raise
        return JSONResponse({"status": "error", "error": type(exc).__name__}, status_code=503)
    return JSONResponse({"status": "ok"})


@router.get("/ping")
def ping() -> PlainTextResponse:
    """Hello world: the benchmark's baseline for what the server itself costs."""
    return PlainTextResponse("pong")


@router.get("/metrics")
def metrics(request: Request) -> Response:
    return Response(request.app.state.metrics.render(), media_type=CONTENT_TYPE_LATEST)


@router.get("/sources.opml")
def opml(request: Request) -> Response:
    body = sources_opml(read.all_sources(request.app.state.engine))
    return conditional(request, body, "text/x-opml; charset=utf-8")
