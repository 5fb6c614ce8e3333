"""Which URLs the fetcher may request: http(s) only, and (by default) public hosts only.

``UrlPolicy.check(url)`` is applied to the first URL and to every redirect hop; the
same address rule is applied again when a socket is opened (``client.GuardedBackend``),
so a name that resolves to a public address at check time and to a private one at
connect time (DNS rebinding) is still refused.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

ALLOWED_SCHEMES = ("http", "https")

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class UrlRefused(Exception):
    """A URL the policy does not allow, with an error class of the fetches table."""

    def __init__(self, error_class: str, reason: str):
        super().__init__(f"{error_class}: {reason}")
        self.error_class = error_class
        self.reason = reason


# IPv6 forms that carry an IPv4 address in their low 32 bits and reach it: the IPv4
# part decides. IPv4-mapped (::ffff:0:0/96) and 6to4 are read by ``ipaddress`` itself.
_EMBEDS_IPV4 = tuple(ipaddress.IPv6Network(n) for n in (
    "::/96",  # IPv4-compatible (deprecated, RFC 4291): ::127.0.0.1, ::a9fe:a9fe
    "::ffff:0:0:0/96",  # IPv4-translated (RFC 2765)
    "64:ff9b::/96",  # NAT64 well-known prefix (RFC 6052)
))
# Not globally reachable (IANA special-purpose registry) but not flagged by Python
# 3.11's ``ipaddress``: refused whatever follows the prefix.
_NOT_GLOBAL_V6 = tuple(ipaddress.IPv6Network(n) for n in (
    "64:ff9b:1::/48",  # local-use NAT64 (RFC 8215): a translator inside the network
    "fec0::/10",  # site-local (deprecated, RFC 3879): still routed inside some networks
    "5f00::/16",  # SRv6 SIDs (RFC 9602)
    "3fff::/20",  # documentation (RFC 9637)
))


def is_public_address(ip: IPAddress) -> bool:
    """True for globally routable unicast addresses only.

    Refuses loopback, RFC 1918 private, link-local (cloud metadata 169.254.169.254),
    CGNAT, unspecified, reserved, documentation and multicast ranges; for IPv6 also
    site-local and local-use NAT64, and every form that embeds an IPv4 address
    (IPv4-mapped, IPv4-compatible, IPv4-translated, NAT64, 6to4) is judged by that
    IPv4 address.
    """
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour
        if embedded is None and any(ip in net for net in _EMBEDS_IPV4):
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None:
            return is_public_address(embedded)
        if any(ip in net for net in _NOT_GLOBAL_V6):
            return False
    return ip.is_global and not ip.is_multicast


@dataclass(frozen=True)
class UrlPolicy:
    """``allow_private`` lets private/loopback hosts through (tests, intranet runs).
    ``allowed_networks`` lets just these networks through (narrower than allow_private)."""

    allow_private: bool = False
    allowed_networks: tuple[IPNetwork, ...] = ()

    def address_allowed(self, ip: IPAddress) -> bool:
        if self.allow_private or is_public_address(ip):
            return True
        return any(ip.version == net.version and ip in net for net in self.allowed_networks)

    def check(self, url: str) -> None:
        """Raise ``UrlRefused`` unless ``url`` may be requested (resolves the host)."""
        host, port = parse_http_url(url)
        self.resolve(host, port)

    def resolve(self, host: str, port: int) -> list[IPAddress]:
        """Addresses of host, all of them allowed; else ``UrlRefused``.

        Every address must pass, not just one: a name with one public and one private
        address could be connected to the private one.
        """
        addresses = resolve_host(host, port)
        for ip in addresses:
            if not self.address_allowed(ip):
                raise UrlRefused(
                    "private_host_refused",
                    f"host {host} resolves to non-public address {ip} (set fetch_allow_private_hosts to allow)",
                )
        return addresses


def parse_http_url(url: str) -> tuple[str, int]:
    """(host, port) of an http(s) URL, else ``UrlRefused`` (scheme_refused / invalid_url)."""
    if not isinstance(url, str) or not url.strip():
        raise UrlRefused("invalid_url", "empty URL")
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise UrlRefused("invalid_url", f"unparseable URL: {exc}") from None
    scheme = parts.scheme.lower()
    if scheme not in ALLOWED_SCHEMES:
        shown = scheme or "(none)"
        raise UrlRefused("scheme_refused", f"scheme {shown!r} is not fetched; only http and https are")
    host = parts.hostname
    if not host:
        raise UrlRefused("invalid_url", "URL has no host")
    if any(c.isspace() for c in url.strip()):
        raise UrlRefused("invalid_url", "URL contains whitespace")
    return host, port or (443 if scheme == "https" else 80)


def resolve_host(host: str, port: int) -> list[IPAddress]:
    """All addresses a host name resolves to (IP literals resolve to themselves)."""
    try:
        return [ipaddress.ip_address(host.strip("[]").split("%", 1)[0])]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, OSError) as exc:
        raise UrlRefused("dns_error", f"cannot resolve host {host}: {exc}") from None
    addresses: list[IPAddress] = []
    for _family, _type, _proto, _canon, sockaddr in infos:
        ip = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if ip not in addresses:
            addresses.append(ip)
    if not addresses:
        raise UrlRefused("dns_error", f"host {host} has no address")
    return addresses
