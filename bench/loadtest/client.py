"""Virtual students and clerks: signed in over HTTP like a browser, with their URLs."""

import http.client
import re
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class Session:
    """A signed-in user's cookies, as a browser would send them."""

    username: str
    cookies: dict = field(default_factory=dict)

    @property
    def cookie_header(self):
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    @property
    def csrf(self):
        return self.cookies.get("csrftoken", "")


class Http:
    """One keep-alive connection to the portal, remembering the session's cookies."""

    def __init__(self, port, session=None):
        self.port = port
        self.session = session or Session("")
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def request(self, method, path, body=None, headers=None):
        headers = dict(headers or {})
        if self.session.cookies:
            headers["Cookie"] = self.session.cookie_header
        if body is not None:
            headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
            body = body.encode() if isinstance(body, str) else body  # UTF-8, as a browser
        for attempt in range(2):
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                data = response.read()
                break
            except (http.client.RemoteDisconnected, ConnectionError, BrokenPipeError):
                self.conn.close()  # sync workers close idle connections; reconnect once
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                if attempt:
                    raise
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.session.cookies[name.strip()] = rest.split(";", 1)[0]
        return response.status, response.getheader("Location", ""), data


def sign_in(port, username, password):
    """The portal's sign-in form, as a browser fills it: GET (CSRF cookie), then POST."""
    client = Http(port, Session(username))
    status, _, _ = client.request("GET", "/accounts/login/")
    if status != 200:
        raise SystemExit(f"login page answered {status}")
    body = urllib.parse.urlencode(
        {"username": username, "password": password, "csrfmiddlewaretoken": client.session.csrf}
    )
    status, location, _ = client.request("POST", "/accounts/login/", body=body)
    if status != 302 or "sessionid" not in client.session.cookies:
        raise SystemExit(f"signing in {username} failed ({status} {location})")
    return client.session


def sign_in_all(port, usernames, password, parallel=4):
    started = time.monotonic()
    with ThreadPoolExecutor(parallel) as pool:
        sessions = list(pool.map(lambda u: sign_in(port, u, password), usernames))
    return sessions, time.monotonic() - started


class FormFields(HTMLParser):
    """The fields a browser would send for one form (no files, no buttons)."""

    def __init__(self, form_id):
        super().__init__()
        self.form_id = form_id
        self.inside = False
        self.fields = []
        self._select = None
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("id") == self.form_id
        if not self.inside or "disabled" in attrs:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind in ("file", "submit", "button", "image", "reset"):
                return
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                return
            self.fields.append((name, attrs.get("value") or ""))
        elif tag == "select" and name:
            self._select = [name, None, None]  # name, first option, selected option
        elif tag == "option" and self._select:
            value = attrs.get("value", "")
            if self._select[1] is None:
                self._select[1] = value
            if "selected" in attrs:
                self._select[2] = value
        elif tag == "textarea" and name:
            self._textarea = [name, ""]

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select" and self._select:
            name, first, selected = self._select
            self.fields.append((name, selected if selected is not None else (first or "")))
            self._select = None
        elif tag == "textarea" and self._textarea:
            self.fields.append(tuple(self._textarea))
            self._textarea = None


# 联系电话 as a student edits it between two 保存: each body sets one of these.
PHONES = ("010-62751234", "010-62751235")


def draft_form_bodies(port, session, edit_path):
    """Bodies of 保存 on a draft, as the page posts the form when no file is chosen
    (form-encoded: static/js/application-form.js), with 联系电话 set to each of PHONES.
    Posted in turn, every 保存 changes the row (an UPDATE and an audit log entry), as a
    student's does; the rest of the form is what the page showed."""
    client = Http(port, session)
    status, _, page = client.request("GET", edit_path)
    if status != 200:
        raise SystemExit(f"{edit_path} answered {status} for {session.username}")
    parser = FormFields("application-form")
    parser.feed(page.decode())
    fields = [(k, v) for k, v in parser.fields if k != "csrfmiddlewaretoken"]
    return save_bodies([*fields, ("csrfmiddlewaretoken", session.csrf)])


def save_bodies(fields):
    """保存 of the form's `fields`, form-encoded, once with each of PHONES as 联系电话."""
    kept = [(k, v) for k, v in fields if k != "phone"] + [("action", "save")]
    return [urllib.parse.urlencode([*kept, ("phone", phone)]) for phone in PHONES]


def looks_signed_out(body):
    return re.search(rb'name="password"', body[:20000]) is not None
