"""The watchdog that enforces a deadline during a request by shutting its sockets."""

from __future__ import annotations

import socket
import threading

from flowcatalog.online.watchdog import Watchdog, watch_socket


def _blocked_read(watchdog: Watchdog, seconds: float, done: list[bytes]) -> threading.Thread:
    """A thread reading from a socket nobody writes to, under a watch of ``seconds``."""
    ours, theirs = socket.socketpair()

    def read() -> None:
        with watchdog.watch(seconds) as watch:
            watch_socket(ours)
            done.append(ours.recv(1))  # b"" once the watchdog shut the socket
        assert watch.expired
        ours.close()
        theirs.close()

    thread = threading.Thread(target=read, daemon=True)
    thread.start()
    return thread


def test_a_later_watch_with_an_earlier_deadline_is_cut_off_at_its_own() -> None:
    """The watchdog thread sleeps until the first deadline it knows of; a watch that
    ends before it wakes the thread."""
    watchdog = Watchdog()
    started = threading.Event()
    finished = threading.Event()

    def long_watch() -> None:
        with watchdog.watch(600.0):
            started.set()
            finished.wait(10)

    first = threading.Thread(target=long_watch, daemon=True)
    first.start()
    assert started.wait(5)
    done: list[bytes] = []
    reader = _blocked_read(watchdog, 0.05, done)
    reader.join(10)  # (far longer than its deadline; 600 s if nobody woke the watchdog)
    finished.set()
    first.join(5)
    assert not reader.is_alive()
    assert done == [b""]


def test_many_finished_watches_are_not_kept() -> None:
    watchdog = Watchdog()
    for _ in range(1000):
        with watchdog.watch(600.0):
            pass
    assert len(watchdog._heap) <= 2
    assert not watchdog._watches


def test_the_thread_ends_once_no_watch_is_left() -> None:
    """(A process with a thread left over does not fork its page workers.)"""
    watchdog = Watchdog()
    with watchdog.watch(600.0):
        with watchdog.watch(600.0):
            pass
        thread = watchdog._thread
        assert thread is not None
        assert thread.is_alive()
    thread.join(10)  # a second after the last watch (not the 600 s of its deadline)
    assert not thread.is_alive()
    assert watchdog._heap == []


def test_closed_the_thread_ends_at_once_and_a_later_watch_starts_it_again() -> None:
    """(A library caller that checks links, then lints pages, forks its page workers.)"""
    watchdog = Watchdog()
    for _ in range(2):
        with watchdog.watch(600.0):
            pass
        thread = watchdog._thread
        assert thread is not None
        watchdog.close()  # (the second time: after the first close, a watch restarted it)
        assert not thread.is_alive()  # joined: not the second it waits otherwise
        assert watchdog._thread is None
    done: list[bytes] = []
    _blocked_read(watchdog, 0.05, done).join(10)
    assert done == [b""]  # a watch after close still cuts off at its deadline
