"""The httpx transport of the fetcher: an httpcore connection pool over the guarded network backend.

httpx's own transport cannot take a network backend, so this is the small equivalent of it. Low-level httpcore
failures are turned straight into our FetchError kinds (timeout, connection, invalid_url) here.
"""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterable, AsyncIterator, Iterator
from contextlib import contextmanager

import httpcore
import httpx

from svodka.fetch.errors import ConnectionFailed, FetchError, FetchTimeout, InvalidUrl
from svodka.fetch.guard import AddressGuard, GuardedBackend


@contextmanager
def httpcore_errors_as_fetch_errors(url: str) -> Iterator[None]:
    """Re-raise httpcore exceptions as the FetchError of the matching kind."""
    try:
        yield
    except FetchError:
        raise
    except httpcore.TimeoutException as exc:
        raise FetchTimeout(f"timed out: {type(exc).__name__}", url=url) from exc
    except httpcore.UnsupportedProtocol as exc:
        raise InvalidUrl(f"unsupported URL: {exc}", url=url) from exc
    except (httpcore.NetworkError, httpcore.ProtocolError, httpcore.ProxyError) as exc:
        raise ConnectionFailed(f"{type(exc).__name__}: {exc or 'connection failed'}", url=url) from exc


class _ResponseStream(httpx.AsyncByteStream):
    def __init__(self, stream: AsyncIterable[bytes], url: str) -> None:
        self._stream = stream
        self._url = url

    async def __aiter__(self) -> AsyncIterator[bytes]:
        with httpcore_errors_as_fetch_errors(self._url):
            async for part in self._stream:
                yield part

    async def aclose(self) -> None:
        closer = getattr(self._stream, "aclose", None)
        if closer is not None:
            await closer()


class GuardedTransport(httpx.AsyncBaseTransport):
    """HTTP/1.1 transport whose every new connection goes through the AddressGuard."""

    def __init__(self, guard: AddressGuard, *, ssl_context: ssl.SSLContext | None = None, max_connections: int = 100,
                 keepalive_expiry: float = 30.0) -> None:
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=ssl_context or httpx.create_ssl_context(trust_env=False),
            max_connections=max_connections,
            max_keepalive_connections=max_connections // 5 or 1,
            keepalive_expiry=keepalive_expiry,
            http1=True,
            http2=False,
            network_backend=GuardedBackend(guard),
        )

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        assert isinstance(request.stream, httpx.AsyncByteStream)
        core_request = httpcore.Request(
            method=request.method,
            url=httpcore.URL(scheme=request.url.raw_scheme, host=request.url.raw_host, port=request.url.port,
                             target=request.url.raw_path),
            headers=request.headers.raw,
            content=request.stream,
            extensions=request.extensions,
        )
        url = str(request.url)
        with httpcore_errors_as_fetch_errors(url):
            response = await self._pool.handle_async_request(core_request)
        assert isinstance(response.stream, AsyncIterable)
        return httpx.Response(status_code=response.status, headers=response.headers,
                              stream=_ResponseStream(response.stream, url), extensions=response.extensions)

    async def aclose(self) -> None:
        await self._pool.aclose()
