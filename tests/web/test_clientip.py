"""The client address rate limits key on: X-Forwarded-For only from configured proxies."""

from __future__ import annotations

from typing import Any

import pytest
from litestar import Request

from web.clientip import client_address, parse_networks

PROXIES = parse_networks("10.0.0.1, 192.168.0.0/16")


def _request(peer: str, *forwarded: str) -> Request[Any, Any, Any]:
    headers = [(b"x-forwarded-for", f.encode()) for f in forwarded]
    return Request(
        {
            "type": "http",
            "client": (peer, 50000),
            "headers": headers,
            "path": "/",
            "query_string": b"",
            "method": "GET",
        }
    )  # type: ignore[typeddict-item]


def test_without_proxies_the_peer_is_the_client_whatever_the_header_says() -> None:
    assert client_address(_request("203.0.113.7", "1.2.3.4")) == "203.0.113.7"
    assert client_address(_request("203.0.113.7", "1.2.3.4"), ()) == "203.0.113.7"


def test_a_header_from_a_peer_that_is_no_proxy_is_ignored() -> None:
    assert client_address(_request("203.0.113.7", "1.2.3.4"), PROXIES) == "203.0.113.7"


def test_behind_a_proxy_the_right_most_untrusted_hop_is_the_client() -> None:
    # the client forged the first entry; the proxies appended the real one after it
    r = _request("10.0.0.1", "6.6.6.6, 198.51.100.9, 192.168.3.4")
    assert client_address(r, PROXIES) == "198.51.100.9"
    # several headers are one list
    assert client_address(_request("10.0.0.1", "6.6.6.6", "198.51.100.9"), PROXIES) == (
        "198.51.100.9"
    )


@pytest.mark.parametrize("forwarded", ["", "not-an-address", "10.0.0.1, 192.168.1.1"])
def test_an_unusable_header_falls_back_to_the_peer(forwarded: str) -> None:
    assert client_address(_request("10.0.0.1", forwarded), PROXIES) == "10.0.0.1"


def test_a_bad_proxy_setting_names_the_entry() -> None:
    with pytest.raises(ValueError, match="nonsense"):
        parse_networks("10.0.0.1, nonsense")
