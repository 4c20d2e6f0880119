"""CPU per request of the web checker's HTTP exchange against the libraries it replaced.

A link check is bound by the CPU each request costs once thousands of links are in flight.
This script sends the same HEAD requests, one after another over one kept-alive connection,
to a local HTTP/1.1 server (in another process, so its CPU is not counted) through:

- a ``requests`` session (what the checker used before);
- ``http.client`` (the standard library);
- ``transport.DirectPool`` (what the checker sends direct requests through now);
- ``WebChecker.probe`` (the whole probe: deadline watch, host slots, the ``Probe``).

and prints the CPU time of this process per request, median of ``--runs`` rounds::

    python benchmarks/bench_transport.py [--requests 2000] [--runs 5]
"""

from __future__ import annotations

import argparse
import http.client
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

SERVER = """
import http.server, sys
class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_HEAD(self):
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()
    def log_message(self, *args):
        pass
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
"""


def cpu_per_request(send: Callable[[str], object], urls: list[str], runs: int) -> float:
    """Median over ``runs`` rounds of this process's CPU seconds per request."""
    for url in urls[:50]:  # connections made, code warm
        send(url)
    rounds = []
    for _ in range(runs):
        start = time.process_time()
        for url in urls:
            send(url)
        rounds.append((time.process_time() - start) / len(urls))
    return statistics.median(rounds)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    import requests

    from flowcatalog.online.settings import HttpSettings
    from flowcatalog.online.transport import DirectPool, request_headers
    from flowcatalog.online.web import WebChecker

    server = subprocess.Popen([sys.executable, "-c", SERVER], stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        port = int(server.stdout.readline())
        urls = [f"http://127.0.0.1:{port}/page/{i}" for i in range(args.requests)]
        settings = HttpSettings(include_private=True)
        headers = request_headers(settings.user_agent)

        session = requests.Session()
        session.headers.update(headers)

        def through_requests(url: str) -> object:
            return session.head(url, allow_redirects=False).status_code

        connection = http.client.HTTPConnection("127.0.0.1", port)

        def through_http_client(url: str) -> object:
            connection.request("HEAD", url[url.index("/", 8) :], headers=headers)
            answer = connection.getresponse()
            answer.read()
            return answer.status

        pool = DirectPool(headers, verify=True, guard=False, pool_size=1)

        def through_transport(url: str) -> object:
            answer = pool.send("HEAD", url, (5.0, 5.0))
            answer.release(0)
            return answer.status

        checker = WebChecker(settings)

        def through_probe(url: str) -> object:
            return checker.probe(url).status

        rows = [
            ("requests session", through_requests),
            ("http.client", through_http_client),
            ("transport.DirectPool", through_transport),
            ("WebChecker.probe (the whole probe)", through_probe),
        ]
        print(f"| client | CPU per request (median of {args.runs} x {args.requests:,}) |")
        print("|---|---|")
        for name, send in rows:
            print(f"| {name} | {cpu_per_request(send, urls, args.runs) * 1e6:.0f} µs |")
        session.close()
        connection.close()
        pool.close()
        checker.close()
    finally:
        server.terminate()
        server.wait(10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
