from __future__ import annotations

import socket

import pytest


def test_non_loopback_connection_is_refused() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.01)
        with pytest.raises(ConnectionRefusedError, match="loopback only"):
            sock.connect(("192.0.2.1", 80))
