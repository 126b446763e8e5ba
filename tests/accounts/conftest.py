import contextlib
import socket
import threading
import time

import pytest


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
