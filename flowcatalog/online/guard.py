"""The address policy: which addresses a web check may reach, and connections that check
the address they really reached (so a DNS answer that changes between the check and the
connection, "DNS rebinding", is caught too)."""

from __future__ import annotations

import ipaddress
import socket


class BlockedAddressError(OSError):
    """A connection reached (or would reach) an address the policy forbids."""


#: NAT64's well-known prefix (RFC 6052): the last 32 bits are the IPv4 address reached
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
#: the deprecated IPv4-compatible form ``::a.b.c.d`` (RFC 4291 2.5.5.1)
_IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")


def embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 spelling stands for: mapped (``::ffff:a.b.c.d``), NAT64
    (``64:ff9b::a.b.c.d``) or IPv4-compatible (``::a.b.c.d``, not ``::`` or ``::1``)."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip in _NAT64 or (ip in _IPV4_COMPATIBLE and int(ip) > 1):
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def address_forbidden(address: str) -> bool:
    """True for loopback, private, link-local, unspecified, reserved or multicast addresses,
    an IPv6 spelling of an IPv4 address being judged by the IPv4 address it embeds."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return True
    if isinstance(ip, ipaddress.IPv6Address):
        inner = embedded_ipv4(ip)  # never set for ::, ::1 or any non-embedding prefix
        if inner is not None:
            return inner.is_multicast or not inner.is_global
    return ip.is_multicast or not ip.is_global


def check_peer(sock: socket.socket) -> None:
    try:
        peer = sock.getpeername()[0]
    except OSError:
        return
    if address_forbidden(str(peer)):
        sock.close()
        raise BlockedAddressError(f"connected to non-public address {peer}")
