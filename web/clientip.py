"""The client's address as the app trusts it.

``X-Forwarded-For`` is believed only when the connection comes from a configured proxy
(``BANSHI_TRUSTED_PROXIES``, addresses or networks, comma-separated; none by default). Then
the address is the right-most hop that is not itself a trusted proxy, as the proxies appended
them — a client cannot choose its address by sending the header itself. uvicorn's own
proxy-header handling is switched off (``banshi serve``), so this is the only place that
reads the header. Rate limits and login throttles key on this address."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from typing import Any

from litestar import Request

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(text: str | Iterable[str]) -> tuple[Network, ...]:
    """``"10.0.0.1, 192.168.0.0/16"`` -> networks; ValueError names the bad entry."""
    items = text.split(",") if isinstance(text, str) else list(text)
    out: list[Network] = []
    for raw in items:
        item = raw.strip()
        if not item:
            continue
        try:
            out.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ValueError(f"不是 IP 地址或网段: {item!r}") from None
    return tuple(out)


def in_networks(address: str, networks: tuple[Network, ...]) -> bool:
    """Whether ``address`` (text) lies in one of ``networks``; False when it is no address."""
    return _trusted(address, networks)


def _trusted(address: str, proxies: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in proxies)


def client_address(request: Request[Any, Any, Any], proxies: tuple[Network, ...] = ()) -> str:
    """The address of the client this request came from (``"unknown"`` when none)."""
    peer = request.client.host if request.client else "unknown"
    if not proxies or not _trusted(peer, proxies):
        return peer
    hops = [h.strip() for h in ",".join(request.headers.getall("x-forwarded-for", [])).split(",")]
    for hop in reversed([h for h in hops if h]):
        if not _trusted(hop, proxies):
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:
                return peer
    return peer
