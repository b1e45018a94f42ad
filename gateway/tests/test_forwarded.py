"""The client address behind trusted proxies: the right-most untrusted X-Forwarded-For entry."""

from __future__ import annotations

import pytest

from gateway.policy.forwarded import TrustedProxies, TrustedProxiesError

PROXIES = TrustedProxies.parse("10.0.0.0/8, 192.168.1.5, ::1")


def test_an_empty_setting_trusts_nobody() -> None:
    proxies = TrustedProxies.parse(" ")

    assert not proxies
    assert not proxies.trusts("127.0.0.1")


@pytest.mark.parametrize(
    ("peer", "trusted"),
    [
        ("10.1.2.3", True),
        ("192.168.1.5", True),
        ("192.168.1.6", False),
        ("::1", True),
        ("::ffff:10.0.0.1", True),  # an IPv4 peer seen on a dual-stack socket
        ("-", False),
    ],
)
def test_a_peer_is_trusted_when_a_listed_network_holds_it(peer: str, trusted: bool) -> None:
    assert PROXIES.trusts(peer) is trusted


@pytest.mark.parametrize(
    ("forwarded_for", "client"),
    [
        (b"203.0.113.7", "203.0.113.7"),
        (b"198.51.100.1, 203.0.113.7", "203.0.113.7"),  # the left one is the client's claim
        (b"203.0.113.7, 10.0.0.2", "203.0.113.7"),  # a second trusted hop is skipped
        (b"203.0.113.7,10.0.0.2 ,192.168.1.5", "203.0.113.7"),
        (b"10.0.0.3, 10.0.0.2", "10.0.0.3"),  # all trusted: the left-most
        (b"garbage, 10.0.0.2", "10.0.0.2"),  # not an address: the last trusted hop
        (b"203.0.113.7, garbage", "10.9.9.9"),  # nothing believable: the peer
        (b"", "10.9.9.9"),
        (b"2001:db8::1", "2001:db8::1"),
    ],
)
def test_the_client_is_the_right_most_untrusted_forwarded_address(
    forwarded_for: bytes, client: str
) -> None:
    assert PROXIES.client("10.9.9.9", forwarded_for) == client
    assert PROXIES.client("10.9.9.9", forwarded_for) == client  # the cached answer agrees


def test_no_forwarded_for_means_the_peer_is_the_client() -> None:
    assert PROXIES.client("10.9.9.9", None) == "10.9.9.9"


def test_every_bad_entry_is_named() -> None:
    with pytest.raises(TrustedProxiesError) as raised:
        TrustedProxies.parse("10.0.0.1, proxy.local, 10.0.0.1/8, 300.1.1.1")

    message = str(raised.value)
    assert "GATEWAY_TRUSTED_PROXIES" in message
    assert "'proxy.local'" in message
    assert "'10.0.0.1/8'" in message  # host bits set: a typo for 10.0.0.0/8 or 10.0.0.1/32?
    assert "'300.1.1.1'" in message
