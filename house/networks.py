"""Addresses and networks in settings (``BANSHI_TRUSTED_PROXIES``, ``BANSHI_METRICS_ALLOW``):
parsed here so the settings need nothing of the web app."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

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
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in networks)
