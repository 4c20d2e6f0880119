"""The address policy: which addresses a web check may reach, and connections that check
the address they really reached (so a DNS answer that changes between the check and the
connection, "DNS rebinding", is caught too)."""

from __future__ import annotations

import ipaddress
import socket

import urllib3.connection
import urllib3.connectionpool


class BlockedAddressError(OSError):
    """A connection reached (or would reach) an address the policy forbids."""


def address_forbidden(address: str) -> bool:
    """True for loopback, private, link-local, unspecified, reserved or multicast addresses."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return True
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_multicast or not ip.is_global


def check_peer(sock: socket.socket) -> None:
    try:
        peer = sock.getpeername()[0]
    except OSError:
        return
    if address_forbidden(str(peer)):
        sock.close()
        raise BlockedAddressError(f"connected to non-public address {peer}")


class _GuardedHTTPConnection(urllib3.connection.HTTPConnection):
    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()
        check_peer(sock)
        return sock


class _GuardedHTTPSConnection(urllib3.connection.HTTPSConnection):
    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()
        check_peer(sock)
        return sock


class GuardedHTTPPool(urllib3.connectionpool.HTTPConnectionPool):
    ConnectionCls = _GuardedHTTPConnection


class GuardedHTTPSPool(urllib3.connectionpool.HTTPSConnectionPool):
    ConnectionCls = _GuardedHTTPSConnection
