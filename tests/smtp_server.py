"""Mail servers for the email fault tests, on loopback ports of their own.

- `SmtpServer`: a small real SMTP server (enough of RFC 5321 for smtplib) that refuses
  the recipients listed in `refused` with 550, answers its first `busy_for` connections
  with 421 ("try again later") and keeps every message it accepted.
- `silent_server`: accepts TCP connections and never says a word (a hung mail server).
- `closed_port`: a port nobody listens on (connection refused).
"""

import contextlib
import socket
import socketserver
import threading
from email import message_from_bytes, policy


def closed_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def silent_server():
    """Yields the port of a listener whose connections complete and then hang."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)  # the kernel completes the handshakes; nobody ever answers
    try:
        yield listener.getsockname()[1]
    finally:
        listener.close()


class SmtpServer:
    def __init__(self, refused=(), busy_for=0):
        self.refused = {address.lower() for address in refused}
        self.busy_for = busy_for
        self.connections = 0
        self.messages = []  # (recipients, email.message.Message)
        server = self
        lock = threading.Lock()

        class Handler(socketserver.StreamRequestHandler):
            def reply(self, line):
                self.wfile.write(f"{line}\r\n".encode())

            def handle(self):
                with lock:
                    server.connections += 1
                    busy = server.connections <= server.busy_for
                if busy:
                    self.reply("421 4.3.2 test.example busy, try again later")
                    return
                self.reply("220 test.example ESMTP")
                recipients = []
                while line := self.rfile.readline():
                    command = line.decode("ascii", "replace").strip()
                    verb = command[:4].upper()
                    if verb in ("EHLO", "HELO"):
                        self.reply("250 test.example")
                    elif verb == "MAIL":
                        recipients = []
                        self.reply("250 OK")
                    elif verb == "RCPT":
                        address = command.split(":", 1)[1].strip(" <>").lower()
                        if address in server.refused:
                            self.reply("550 5.1.1 mailbox unavailable")
                        else:
                            recipients.append(address)
                            self.reply("250 OK")
                    elif verb == "DATA":
                        self.reply("354 end with .")
                        data = b"".join(iter(self.rfile.readline, b".\r\n"))
                        message = message_from_bytes(data, policy=policy.default)
                        server.messages.append((recipients, message))
                        self.reply("250 queued")
                    elif verb == "RSET":
                        recipients = []
                        self.reply("250 OK")
                    elif verb == "QUIT":
                        self.reply("221 bye")
                        return
                    else:
                        self.reply("502 not implemented")

        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]

    def __enter__(self):
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self._server.shutdown()
        self._server.server_close()
