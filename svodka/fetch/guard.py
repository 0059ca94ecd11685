"""SSRF guard: refuse to connect to loopback, private, link-local and other non-public addresses.

The check happens where the socket is opened: `GuardedBackend` (an httpcore network backend) resolves the host
itself, validates every address, and connects to a validated IP. So a DNS answer that changes between a check and
the connect (DNS rebinding) cannot slip through, and each redirect hop, opening its own connection, is checked too.
TLS still uses the original host name for SNI and certificate checks (httpcore passes it to start_tls).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

import httpcore

from svodka.fetch.errors import BlockedAddress

# host, port -> IP address strings
Resolver = Callable[[str, int], Awaitable[list[str]]]
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# NAT64 well-known prefix: the last 32 bits are an IPv4 address that must be judged on its own.
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def is_public_address(address: IPAddress) -> bool:
    """True only for globally routable unicast addresses (also unwrapping IPv4 embedded in IPv6)."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(address)
        if embedded is not None:
            return is_public_address(embedded)
    return address.is_global and not (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_unspecified
        or address.is_reserved
    )


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def parse_ip_literal(host: str) -> IPAddress | None:
    """The address if `host` is an IP literal (brackets and IPv6 zone allowed), else None."""
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


async def system_resolver(host: str, port: int) -> list[str]:
    """Resolve with the OS resolver (getaddrinfo, run off the event loop); returns unique IPs in order."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    seen: dict[str, None] = {}
    for _family, _type, _proto, _canon, sockaddr in infos:
        seen.setdefault(str(sockaddr[0]), None)
    return list(seen)


class AddressGuard:
    """Decides which addresses a host may be connected to.

    `allow_private` switches the guard off (tests, intranet deployments). `trusted_hosts` are host names whose
    addresses are accepted even if private (an operator's own feed server); IP literals and every other name are
    still checked. `resolver` is injectable so tests can map names without touching real DNS.
    """

    def __init__(self, *, allow_private: bool = False, trusted_hosts: Iterable[str] = (),
                 resolver: Resolver | None = None) -> None:
        self.allow_private = allow_private
        self.trusted_hosts = frozenset(h.lower().rstrip(".") for h in trusted_hosts)
        self.resolver: Resolver = resolver or system_resolver

    def check_literal(self, host: str) -> None:
        """Refuse an IP-literal host right away (before any DNS, robots.txt or politeness wait)."""
        if self.allow_private or self._trusted(host):
            return
        address = parse_ip_literal(host)
        if address is not None and not is_public_address(address):
            raise BlockedAddress(f"refusing non-public address {address}")

    async def resolve(self, host: str, port: int) -> list[str]:
        """The addresses of `host` that may be connected to; raises BlockedAddress if there are none."""
        literal = parse_ip_literal(host)
        addresses = [str(literal)] if literal is not None else await self.resolver(host, port)
        if self.allow_private or self._trusted(host):
            return addresses
        allowed = [a for a in addresses if is_public_address(ipaddress.ip_address(a))]
        if not allowed:
            shown = ", ".join(addresses) or "nothing"
            raise BlockedAddress(f"refusing {host}: resolves to non-public address {shown}")
        return allowed

    def _trusted(self, host: str) -> bool:
        return host.lower().rstrip(".") in self.trusted_hosts


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """An httpcore network backend that connects only to addresses the guard accepts."""

    def __init__(self, guard: AddressGuard, inner: httpcore.AsyncNetworkBackend | None = None) -> None:
        self.guard = guard
        self.inner = inner or httpcore.AnyIOBackend()

    async def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                          local_address: str | None = None,
                          socket_options: Iterable[Any] | None = None) -> httpcore.AsyncNetworkStream:
        try:
            async with asyncio.timeout(timeout):
                addresses = await self.guard.resolve(host, port)
        except TimeoutError as exc:
            raise httpcore.ConnectTimeout(f"resolving {host} timed out") from exc
        except OSError as exc:
            raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from exc
        failure: Exception | None = None
        for address in addresses:
            try:
                return await self.inner.connect_tcp(address, port, timeout=timeout, local_address=local_address,
                                                    socket_options=socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
        assert failure is not None  # resolve() never returns an empty list
        raise failure

    async def connect_unix_socket(self, path: str, timeout: float | None = None,
                                  socket_options: Iterable[Any] | None = None) -> httpcore.AsyncNetworkStream:
        raise BlockedAddress("unix sockets are never fetched")

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)
