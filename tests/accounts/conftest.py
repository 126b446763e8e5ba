import contextlib
import socket
import threading
import time

import pytest

from tests import smtp_server


class SilentDirectory(str):
    """The ldap:// URI (a str, as the setting takes it) of a server that accepts
    connections and never answers, until the test calls `hang_up()`.

    `held` lists the connections it accepted; `hung_up()` says whether it let go: a login
    that answered while it had not was ended by the portal's own timeout."""


@pytest.fixture
def silent_server():
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.1)
    let_go = threading.Event()
    held = []

    def accept_and_say_nothing():
        # A generous limit, never reached by a passing test: it hangs up when told.
        deadline = time.monotonic() + 300
        while not let_go.is_set() and time.monotonic() < deadline:
            with contextlib.suppress(TimeoutError):
                held.append(listener.accept()[0])
        for conn in held:
            conn.close()

    thread = threading.Thread(target=accept_and_say_nothing, daemon=True)
    thread.start()
    uri = SilentDirectory(f"ldap://127.0.0.1:{listener.getsockname()[1]}/")
    uri.held, uri.hang_up, uri.hung_up = held, let_go.set, let_go.is_set
    yield uri
    let_go.set()
    thread.join()
    listener.close()


@pytest.fixture
def closed_port():
    """A loopback port nobody listens on (a CAS server that is down)."""
    return smtp_server.closed_port()


@pytest.fixture
def silent_http():
    """A CAS_SERVER_URL whose server accepts connections and never answers (hung)."""
    with smtp_server.silent_server() as port:
        yield f"http://127.0.0.1:{port}/cas/"
