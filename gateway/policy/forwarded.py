"""Who the client is behind trusted proxies: ``GATEWAY_TRUSTED_PROXIES`` and X-Forwarded-For.

With nginx or a load balancer in front, every connection comes from the proxy's address, so
anonymous clients would share one rate-limit budget and one canary bucket. When the peer is a
trusted proxy, the client is the right-most address of ``X-Forwarded-For`` that is not itself
trusted (what nginx's ``real_ip_recursive on`` does): every address to its right was written by
a proxy we trust, everything to its left was written by the client and may be forged. If all
of them are trusted, the left-most is the client; an entry that is not an IP address stops the
walk at the last trusted hop. A peer that is not trusted is the client, whatever its
``X-Forwarded-For`` says. The header itself is passed upstream unchanged (with the peer
appended) either way; only the address the gateway keys on is decided here.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address

MAX_CACHED = 4096  # X-Forwarded-For values remembered with their answer


class TrustedProxiesError(ValueError):
    """``GATEWAY_TRUSTED_PROXIES`` holds something that is not an IP address or network."""


def _address(text: str) -> Address | None:
    try:
        address = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped  # ::ffff:10.0.0.1 is 10.0.0.1 (a dual-stack socket's peer)
    return address


class TrustedProxies:
    """The networks whose connections may tell the gateway who the client is."""

    def __init__(self, networks: Iterable[Network] = ()) -> None:
        self.networks = tuple(networks)
        self._cache: dict[bytes, str] = {}

    @classmethod
    def parse(cls, text: str) -> TrustedProxies:
        """From ``10.0.0.1, 10.1.0.0/16, ::1``; raises :class:`TrustedProxiesError` naming
        every bad entry."""
        networks: list[Network] = []
        bad: list[str] = []
        for entry in (part.strip() for part in text.split(",")):
            if not entry:
                continue
            try:
                networks.append(ipaddress.ip_network(entry, strict=True))
            except ValueError as exc:
                bad.append(f"{entry!r} ({exc})")
        if bad:
            raise TrustedProxiesError(
                "GATEWAY_TRUSTED_PROXIES must be comma-separated IP addresses or networks "
                f"(CIDR, host bits zero); not: {', '.join(bad)}"
            )
        return cls(networks)

    def __bool__(self) -> bool:
        return bool(self.networks)

    def _trusts(self, address: Address) -> bool:
        return any(address in network for network in self.networks)

    def trusts(self, peer: str) -> bool:
        """Whether a connection from ``peer`` (a socket's address) comes from a trusted proxy."""
        address = _address(peer)
        return address is not None and self._trusts(address)

    def client(self, peer: str, forwarded_for: bytes | None) -> str:
        """The client's address for a request that came from the trusted proxy ``peer``."""
        if not forwarded_for:
            return peer
        cache = self._cache
        found = cache.get(forwarded_for)
        if found is None:
            found = self._walk(forwarded_for)
            if len(cache) >= MAX_CACHED:
                cache.clear()
            cache[forwarded_for] = found
        return found or peer

    def _walk(self, forwarded_for: bytes) -> str:
        """The right-most untrusted address ("" when there is none but the peer)."""
        client = ""
        for entry in reversed(forwarded_for.decode("latin-1").split(",")):
            address = _address(entry)
            if address is None:
                break  # garbage: the last trusted hop is as far as anything can be believed
            client = str(address)
            if not self._trusts(address):
                break
        return client
