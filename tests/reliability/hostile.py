"""A hostile server on 127.0.0.1 for the client's tests: it redirects, trickles, lies about
ids, pages forever and answers too much. Plain http (the client allows it to loopback only).

``script(request)`` decides each answer; every request is logged, so a test can prove that a
secret never reached a second server.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SOAP_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope '
    'xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
    'xmlns="http://soap.sforce.com/2006/04/metadata"><soapenv:Body>'
)
SOAP_TAIL = "</soapenv:Body></soapenv:Envelope>"


def deploy_answer(job_id: str = "0Af000000000001AAA") -> bytes:
    """Return a ``deploy`` answer starting job ``job_id``."""
    return (
        f"{SOAP_HEAD}<deployResponse><result><done>false</done><id>{job_id}</id>"
        f"<state>Queued</state></result></deployResponse>{SOAP_TAIL}"
    ).encode()


def status_answer(job_id: str = "0Af000000000001AAA", status: str = "InProgress") -> bytes:
    """Return a ``checkDeployStatus`` answer for ``job_id``."""
    done = "true" if status in ("Succeeded", "Failed", "Canceled") else "false"
    return (
        f"{SOAP_HEAD}<checkDeployStatusResponse><result><checkOnly>false</checkOnly>"
        f"<done>{done}</done><id>{job_id}</id><status>{status}</status>"
        f"<success>{'true' if status == 'Succeeded' else 'false'}</success>"
        "<numberComponentsTotal>1</numberComponentsTotal>"
        "<numberComponentsDeployed>0</numberComponentsDeployed>"
        "<numberComponentErrors>0</numberComponentErrors>"
        f"</result></checkDeployStatusResponse>{SOAP_TAIL}"
    ).encode()


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def operation(self) -> str:
        """Return the SOAP operation (``deploy``, ``checkDeployStatus``...) or the path."""
        for name in ("checkDeployStatus", "cancelDeploy", "deploy", "login"):
            if f":{name}>".encode() in self.body or f"<{name}>".encode() in self.body:
                return name
        return self.path


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    #: Seconds between bytes: the answer drips out (forever when ``endless``).
    trickle: float | None = None
    #: Trickle the headers instead of the body.
    trickle_headers: bool = False
    endless: bool = False


Script = Callable[[Request], Reply]


@dataclass
class Hostile:
    url: str
    requests: list[Request]

    def operations(self) -> list[str]:
        return [r.operation for r in self.requests]


@contextmanager
def hostile_server(script: Script) -> Iterator[Hostile]:
    """Serve ``script`` on 127.0.0.1 (a free port) until the block ends."""
    log: list[Request] = []
    stop = threading.Event()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            pass

        def handle(self) -> None:
            with suppress(BrokenPipeError, ConnectionResetError):
                super().handle()

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            request = Request(self.command, self.path, dict(self.headers), self.rfile.read(length))
            log.append(request)
            reply = script(request)
            self._answer(reply)

        def _answer(self, reply: Reply) -> None:
            if reply.trickle_headers:
                self.wfile.write(b"HTTP/1.1 200 OK\r\nX-Slow: ")
                while not stop.wait(reply.trickle or 0.05):
                    self.wfile.write(b"a")
                    self.wfile.flush()
                return
            self.send_response(reply.status)
            headers = {"Content-Type": "text/xml; charset=UTF-8", **reply.headers}
            if reply.endless:  # no length: the body runs until the connection closes
                headers["Connection"] = "close"
            else:
                headers.setdefault("Content-Length", str(len(reply.body)))
            for key, value in headers.items():
                if value:  # an empty value leaves the header out
                    self.send_header(key, value)
            self.end_headers()
            if reply.trickle is None:
                self.wfile.write(reply.body)
                return
            body = reply.body or b" "
            index = 0
            while not stop.is_set() and (reply.endless or index < len(body)):
                self.wfile.write(body[index % len(body) : index % len(body) + 1])
                self.wfile.flush()
                index += 1
                stop.wait(reply.trickle)

        do_GET = do_POST = do_PATCH = do_DELETE = _serve

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield Hostile(f"http://127.0.0.1:{server.server_address[1]}", log)
    finally:
        stop.set()
        server.shutdown()
        server.server_close()
