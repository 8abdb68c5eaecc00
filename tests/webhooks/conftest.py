import ipaddress
import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from standardwebhooks.webhooks import Webhook

from tests.api.conftest import make_key
from webhooks.models import Endpoint, Event


class Receiver:
    """A webhook receiver on 127.0.0.1: records every POST, answers what it is told to."""

    def __init__(self):
        self.requests = []  # (headers, body) of every POST, answered or not
        self.answers = []  # statuses to answer, in turn; then `default`
        self.default = 200
        self.hang = threading.Event()  # while set, requests get no answer (a dead receiver)
        self.released = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append((dict(self.headers), body.decode()))
                if receiver.hang.is_set():
                    receiver.released.wait(30)
                    return
                status = receiver.answers.pop(0) if receiver.answers else receiver.default
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/cpc"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def events(self, secret=None):
        """The payloads received (signatures verified when a secret is given), in order."""
        received = []
        for headers, body in self.requests:
            if secret is not None:
                Webhook(secret).verify(body, headers)
            received.append(json.loads(body))
        return received

    def close(self):
        self.released.set()
        self.server.shutdown()
        self.server.server_close()


# A public address for endpoints that are registered but never sent to (the guard below
# makes sure of that).
PUBLIC_URL = "https://93.184.215.14/hooks"


@pytest.fixture(autouse=True)
def no_connections_leave_the_machine(monkeypatch):
    """Webhook tests connect to 127.0.0.1 only: any other address fails the connection."""
    real = socket.create_connection

    def loopback_only(address, *args, **kwargs):
        if not ipaddress.ip_address(address[0]).is_loopback:
            raise OSError(f"tests never connect to {address[0]}")
        return real(address, *args, **kwargs)

    monkeypatch.setattr(socket, "create_connection", loopback_only)


@pytest.fixture
def receiver(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True
    receiver = Receiver()
    receiver.thread.start()
    yield receiver
    receiver.close()


def make_endpoint(url, *, key=None, events=None, payload=Endpoint.Payload.FULL, **fields):
    if key is None:
        key, _ = make_key(embargo=True)
    endpoint = Endpoint(
        key=key,
        url=url,
        events=events or list(Event.values),
        payload=payload,
        contact="hooks@partner.example",
        **fields,
    )
    endpoint.full_clean()
    endpoint.save()
    return endpoint
