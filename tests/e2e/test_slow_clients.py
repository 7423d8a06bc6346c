"""Slow clients against a real `clickproof serve`: 500 connections that send half a request head or
trickle a body neither keep a normal request from being answered within a second nor stay open
past the configured deadlines (docs/adr/0016)."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.e2e.test_processes import Server

pytestmark = pytest.mark.e2e
SLOW_CLIENTS = 500
HEADER_TIMEOUT = 2.0
BODY_TIMEOUT = 3.0


@pytest.fixture
def bounded_server(tmp_path: Path) -> Iterator[Server]:
    home = tmp_path / "home"
    home.mkdir()
    running = Server(
        home,
        f"sqlite:///{home / 'clickproof.db'}",
        CLICKPROOF_HEADER_TIMEOUT_SECONDS=str(HEADER_TIMEOUT),
        CLICKPROOF_BODY_TIMEOUT_SECONDS=str(BODY_TIMEOUT),
    )
    yield running
    running.stop()


def open_slow(port: int, index: int) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port))
    if index % 2:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nX-Half: ")  # a head never finished
    else:
        sock.sendall(
            b"POST /send HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"
        )
    return sock


def timed_requests(url: str, count: int = 5) -> list[float]:
    """Seconds each `GET /health` took, each on a new connection, as a new client would."""
    times = []
    for _ in range(count):
        started = time.monotonic()
        assert httpx.get(f"{url}/health", timeout=5).status_code == 200
        times.append(time.monotonic() - started)
    return times


def closed_by_server(sock: socket.socket) -> bool:
    sock.settimeout(0.05)
    try:
        return sock.recv(65536) == b""
    except TimeoutError:
        return False
    except OSError:
        return True  # reset


def test_500_slow_clients_do_not_delay_a_normal_request(bounded_server: Server) -> None:
    port = bounded_server.port
    print(f"GET /health, no slow clients: {[round(t * 1000) for t in timed_requests(bounded_server.url)]} ms")
    opened_at = time.monotonic()
    slow = [open_slow(port, i) for i in range(SLOW_CLIENTS)]
    stop = threading.Event()

    def trickle() -> None:  # one byte every 0.2 s on every body: each stays just alive
        while not stop.wait(0.2):
            for sock in slow[::2]:
                with contextlib.suppress(OSError):
                    sock.send(b" ")

    trickler = threading.Thread(target=trickle, daemon=True)
    trickler.start()
    try:
        time.sleep(0.5)  # the server has taken every slow connection in; now they all hold on
        times = timed_requests(bounded_server.url)
        median = sorted(times)[len(times) // 2]
        assert median < 1.0, f"a normal request took {median:.3f}s beside {SLOW_CLIENTS} slow clients"
        print(
            f"GET /health beside {SLOW_CLIENTS} slow clients: median {median * 1000:.1f} ms, all {[round(t * 1000) for t in times]} ms"
        )

        if time.monotonic() - opened_at < HEADER_TIMEOUT - 0.5:
            assert not any(closed_by_server(s) for s in slow[:20]), "slow clients closed before the deadline"
        deadline = opened_at + max(HEADER_TIMEOUT, BODY_TIMEOUT) + 3.0
        while time.monotonic() < deadline:
            still_open = [s for s in slow if not closed_by_server(s)]
            if not still_open:
                break
            time.sleep(0.2)
        still_open = [s for s in slow if not closed_by_server(s)]
        assert still_open == [], f"{len(still_open)} slow connections still open after the deadlines"
        print(f"all {SLOW_CLIENTS} slow connections closed {time.monotonic() - opened_at:.1f}s after opening")
        assert httpx.get(f"{bounded_server.url}/health", timeout=5).status_code == 200
    finally:
        stop.set()
        trickler.join()
        for sock in slow:
            sock.close()


def test_a_client_idle_after_connecting_is_closed(bounded_server: Server) -> None:
    sock = socket.create_connection(("127.0.0.1", bounded_server.port))
    try:
        time.sleep(HEADER_TIMEOUT + 1.0)
        assert closed_by_server(sock)
    finally:
        sock.close()


def test_a_prompt_client_keeps_its_connection_and_its_body(bounded_server: Server) -> None:
    with httpx.Client(base_url=bounded_server.url, timeout=5) as client:
        for _ in range(3):
            assert client.get("/health").status_code == 200
            time.sleep(0.5)
        response = client.post("/send", json={"sid": "unknown-site", "et": "displayed", "gkey": "g"})
        assert response.status_code == 404, response.text
