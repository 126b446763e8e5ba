import contextlib
import socket
import threading
import time

import pytest

from tests import smtp_server


@pytest.fixture
def silent_server():
    """An ldap:// URI whose server accepts connections and never answers (hangs up after 10 s)."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.1)
    done = threading.Event()
    held = []

    def accept_and_say_nothing():
        deadline = time.monotonic() + 10
        while not done.is_set() and time.monotonic() < deadline:
            with contextlib.suppress(TimeoutError):
                held.append(listener.accept()[0])
        for conn in held:
            conn.close()

    thread = threading.Thread(target=accept_and_say_nothing, daemon=True)
    thread.start()
    yield f"ldap://127.0.0.1:{listener.getsockname()[1]}/"
    done.set()
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
