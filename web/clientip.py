"""The client's address as the app trusts it.

``X-Forwarded-For`` is believed only when the connection comes from a configured proxy
(``BANSHI_TRUSTED_PROXIES``, addresses or networks, comma-separated; none by default). Then
the address is the right-most hop that is not itself a trusted proxy, as the proxies appended
them — a client cannot choose its address by sending the header itself. uvicorn's own
proxy-header handling is switched off (``banshi serve``), so this is the only place that
reads the header. Rate limits and login throttles key on this address."""

from __future__ import annotations

import ipaddress
from typing import Any

from litestar import Request

from house.networks import Network, in_networks, parse_networks

__all__ = ["Network", "client_address", "in_networks", "parse_networks"]


def _trusted(address: str, proxies: tuple[Network, ...]) -> bool:
    return in_networks(address, proxies)


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
