"""Misbehaving HTTP servers on 127.0.0.1 for the hostile-input tests: each connection is
answered by a handler that writes raw bytes (slowly, endlessly, or not as HTTP at all)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress

#: a handler gets the connection and the request head it sent (up to the blank line)
Handler = Callable[[socket.socket, bytes], None]


def read_head(conn: socket.socket, limit: int = 65536) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data and len(data) < limit:
        chunk = conn.recv(4096)
        if not chunk:
            break
        data += chunk
    return data


@contextmanager
def raw_server(handler: Handler) -> Iterator[int]:
    """Serve ``handler`` on a free port of 127.0.0.1; yields the port. Every connection
    gets its own thread; all are closed when the block ends."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    listener.settimeout(0.05)
    stop = threading.Event()
    open_conns: list[socket.socket] = []

    def serve_one(conn: socket.socket) -> None:
        with suppress(OSError):
            head = read_head(conn)
            if head:
                handler(conn, head)
        with suppress(OSError):
            conn.close()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            open_conns.append(conn)
            threading.Thread(target=serve_one, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        thread.join(timeout=2)
        listener.close()
        for conn in open_conns:
            with suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
            with suppress(OSError):
                conn.close()


def slowloris(interval: float = 0.05, stop_after: float = 30.0) -> Handler:
    """Send a valid answer one byte every ``interval`` s: never idle long enough for a
    read timeout, never finished (the status line alone takes longer than any test)."""

    def handle(conn: socket.socket, head: bytes) -> None:
        answer = b"HTTP/1.1 200 OK\r\n" + b"X-Slow: " + b"a" * 10_000 + b"\r\n\r\n"
        ends = time.monotonic() + stop_after
        for byte in answer:
            if time.monotonic() > ends:
                return
            conn.sendall(bytes([byte]))
            time.sleep(interval)

    return handle


def endless_body(content_type: bytes = b"application/json") -> Handler:
    """A 200 whose body never ends (no Content-Length, bytes as fast as they are read)."""

    def handle(conn: socket.socket, head: bytes) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: " + content_type + b"\r\n\r\n")
        chunk = b'{"nodes": "' + b"x" * 65536
        for _ in range(20_000):  # about 1.3 GB at most: far more than any cap
            conn.sendall(chunk)

    return handle


def fixed(answer: bytes) -> Handler:
    """The same raw bytes for every request."""

    def handle(conn: socket.socket, head: bytes) -> None:
        conn.sendall(answer)

    return handle


def json_answer(body: bytes, status: bytes = b"200 OK", headers: bytes = b"") -> bytes:
    return (
        b"HTTP/1.1 " + status + b"\r\nContent-Type: application/json\r\n"
        b"Content-Length: " + str(len(body)).encode() + b"\r\n" + headers + b"\r\n" + body
    )
