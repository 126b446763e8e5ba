"""A real, private OpenLDAP server for the test suite.

`Slapd` writes a throw-away slapd.conf and directory into a temporary folder,
loads the people below with slapadd, and runs slapd on a free loopback port. The
login tests bind against it exactly as the portal binds against the university's
directory: nothing about LDAP is mocked.
"""

import base64
import hashlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import ldap

SUFFIX = "dc=example,dc=edu"
PEOPLE = f"ou=people,{SUFFIX}"
GROUPS = f"ou=groups,{SUFFIX}"
ROOT_DN = f"cn=admin,{SUFFIX}"
ROOT_PASSWORD = "slapd-root-secret"
SCHEMA_DIR = Path("/etc/ldap/schema")
MODULE_DIR = Path("/usr/lib/ldap")

# Where the students below keep each profile field (the portal's default map).
LDAP_PROFILE_ATTR_MAP = {
    "name": "cn",
    "name_en": "displayName",
    "email": "mail",
    "phone": "mobile",
    "school": "ou",
    "major": "departmentNumber",
    "degree_level": "employeeType",
}


class SlapdUnavailable(RuntimeError):
    """slapd is not installed, or it would not start."""


class _PortTaken(SlapdUnavailable):
    """Another process bound the port between our check and slapd's bind."""


def person_dn(uid):
    return f"uid={uid},{PEOPLE}"


def ssha(password):
    """An RFC 2307 {SSHA} hash, as a university directory would store it."""
    salt = os.urandom(8)
    digest = hashlib.sha1(password.encode() + salt).digest()
    return "{SSHA}" + base64.b64encode(digest + salt).decode()


# Each student: uid, password, and the inetOrgPerson attributes the directory holds.
STUDENTS = {
    # Everything the portal maps (see PROFILE_ATTR_MAP).
    "2021301000001": {
        "password": "zhangsan-Pass1",
        "attrs": {
            "cn": "张三",
            "sn": "张",
            "displayName": "Zhang San",
            "mail": "zhangsan@example.edu",
            "mobile": "13800138000",
            "ou": "计算机学院",
            "departmentNumber": "软件工程",
            "employeeType": "本科生",
        },
    },
    # Only a name and an address: the other profile fields stay the student's to edit.
    "2022301000002": {
        "password": "lisi-Pass2",
        "attrs": {"cn": "李四", "sn": "李", "mail": "lisi@example.edu"},
    },
    # A postgraduate whose entry a test changes between two sign-ins.
    "2020301000003": {
        "password": "wangwu-Pass3",
        "attrs": {
            "cn": "王五",
            "sn": "王",
            "displayName": "Wang Wu",
            "mail": "wangwu@example.edu",
            "mobile": "13900139000",
            "ou": "数学学院",
            "departmentNumber": "应用数学",
            "employeeType": "硕士研究生",
        },
    },
}


# Office clerks: in the directory like everyone, office rights by group membership.
STAFF = {
    "t0001": {
        "password": "clerk-Pass1",
        "attrs": {"cn": "赵老师", "sn": "赵", "mail": "zhao@example.edu"},
    },
    "t0002": {
        "password": "clerk-Pass2",
        "attrs": {"cn": "钱老师", "sn": "钱", "mail": "qian@example.edu"},
    },
}

# groupOfNames cn -> member uids. A groupOfNames needs a member: an empty group holds
# the placeholder EMPTY_MEMBER, as directories commonly do.
DIRECTORY_GROUPS = {"outbound-office": ["t0001"], "hmt-office": ["t0002"], "library": ["t0001"]}
EMPTY_MEMBER = f"cn=nobody,{SUFFIX}"


def group_dn(cn):
    return f"cn={cn},{GROUPS}"


def _ldif_line(attr, value):
    """`attr: value`, or `attr:: base64` when the value is not plain ASCII (RFC 2849)."""
    if value.isascii() and value == value.strip() and not value.startswith((":", "<")):
        return f"{attr}: {value}"
    return f"{attr}:: {base64.b64encode(value.encode()).decode()}"


def _entry(dn, attrs):
    lines = [_ldif_line("dn", dn)]
    for attr, values in attrs.items():
        for value in values if isinstance(values, list) else [values]:
            lines.append(_ldif_line(attr, value))
    return "\n".join(lines) + "\n"


def directory_ldif(students=STUDENTS):
    entries = [
        _entry(
            SUFFIX,
            {"objectClass": ["top", "dcObject", "organization"], "dc": "example", "o": "Example"},
        ),
        _entry(PEOPLE, {"objectClass": ["top", "organizationalUnit"], "ou": "people"}),
    ]
    for uid, student in {**students, **STAFF}.items():
        attrs = {
            "objectClass": ["top", "person", "organizationalPerson", "inetOrgPerson"],
            "uid": uid,
            **student["attrs"],
            "userPassword": ssha(student["password"]),
        }
        entries.append(_entry(person_dn(uid), attrs))
    entries.append(_entry(GROUPS, {"objectClass": ["top", "organizationalUnit"], "ou": "groups"}))
    for cn, members in DIRECTORY_GROUPS.items():
        entries.append(
            _entry(
                group_dn(cn),
                {"objectClass": ["top", "groupOfNames"], "cn": cn, "member": _members(members)},
            )
        )
    return "\n".join(entries)


def _members(uids):
    return [person_dn(uid) for uid in uids] or [EMPTY_MEMBER]


def free_loopback_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def find_slapd():
    """Paths of slapd and slapadd (Debian puts them in /usr/sbin, often not on PATH)."""
    found = []
    for name in ("slapd", "slapadd"):
        path = shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/local/sbin")
        if path is None:
            raise SlapdUnavailable(
                f"{name} is not installed: the LDAP tests need a real OpenLDAP server. "
                "Run `make setup` (it installs slapd and ldap-utils)."
            )
        found.append(path)
    return tuple(found)


class ServerProcess:
    """A test server run as a child process from a temporary folder of its own.

    Subclasses set `process` and `tmpdir` in `start()`; `stop()` ends the one and
    removes the other, also as a context manager.
    """

    process = None
    tmpdir = None

    def stop(self):
        if self.process is not None:
            if self.process.poll() is None:
                self.process.terminate()
                try:
                    self.process.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait()
            self.process = None
        if self.tmpdir is not None:
            shutil.rmtree(self.tmpdir, ignore_errors=True)
            self.tmpdir = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()


class Slapd(ServerProcess):
    """One private slapd: `start()` it, use `uri`, `stop()` it."""

    start_timeout = 10.0
    # "none" (0x8000) keeps slapd in the foreground like -d 0, but still prints its
    # errors (a port in use, a bad config) to stderr, where _fail() can show them.
    debug_level = "none"

    def __init__(self, students=STUDENTS, access_rules=""):
        self.students = students
        # slapd `access to ...` lines; empty means slapd's default (everyone may read).
        self.access_rules = access_rules
        self.slapd, self.slapadd = find_slapd()
        self.tmpdir = None
        self.process = None
        self.port = None

    @property
    def uri(self):
        return f"ldap://127.0.0.1:{self.port}/"

    # --- Lifecycle ------------------------------------------------------------

    def start(self):
        self.tmpdir = Path(tempfile.mkdtemp(prefix="portal-slapd-"))
        try:
            self._write_config()
            self._load_data()
            self._launch()
        except BaseException:
            self.stop()
            raise
        return self

    # --- Talking to it as the administrator --------------------------------------

    def root_connection(self):
        conn = ldap.initialize(self.uri, bytes_mode=False)
        # Both timeouts: something else listening on the port must not hang the start.
        conn.set_option(ldap.OPT_NETWORK_TIMEOUT, 2)
        conn.set_option(ldap.OPT_TIMEOUT, 2)
        conn.simple_bind_s(ROOT_DN, ROOT_PASSWORD)
        return conn

    def replace(self, uid, **attrs):
        """Change a student's entry, as the registry office would: replace(uid, ou="...")."""
        changes = [(ldap.MOD_REPLACE, attr, [value.encode()]) for attr, value in attrs.items()]
        conn = self.root_connection()
        try:
            conn.modify_s(person_dn(uid), changes)
        finally:
            conn.unbind_s()

    def set_members(self, cn, uids):
        """Replace a directory group's members, as the IT office would."""
        members = [dn.encode() for dn in _members(uids)]
        conn = self.root_connection()
        try:
            conn.modify_s(group_dn(cn), [(ldap.MOD_REPLACE, "member", members)])
        finally:
            conn.unbind_s()

    # --- Internals -------------------------------------------------------------------

    @property
    def config_path(self):
        return self.tmpdir / "slapd.conf"

    def _write_config(self):
        data_dir = self.tmpdir / "data"
        data_dir.mkdir()
        schemas = "\n".join(
            f"include {SCHEMA_DIR / name}.schema" for name in ("core", "cosine", "inetorgperson")
        )
        self.config_path.write_text(
            f"""{schemas}
pidfile {self.tmpdir / "slapd.pid"}
argsfile {self.tmpdir / "slapd.args"}
modulepath {MODULE_DIR}
moduleload back_mdb

database mdb
maxsize 10485760
suffix "{SUFFIX}"
rootdn "{ROOT_DN}"
rootpw {ROOT_PASSWORD}
directory {data_dir}
{self.access_rules}
""",
            encoding="utf-8",
        )

    def _load_data(self):
        ldif = self.tmpdir / "data.ldif"
        ldif.write_text(directory_ldif(self.students), encoding="utf-8")
        result = subprocess.run(
            [self.slapadd, "-f", str(self.config_path), "-l", str(ldif)],
            capture_output=True,
            text=True,
            timeout=30,
        )
        if result.returncode != 0:
            raise SlapdUnavailable(
                f"slapadd failed (exit {result.returncode}):\n{result.stderr}{result.stdout}"
            )

    def _launch(self, attempts=3):
        # The free port is only free when we look: if something takes it before
        # slapd binds, try another one.
        for attempt in range(1, attempts + 1):
            try:
                self._launch_once()
                return
            except _PortTaken:
                if attempt == attempts:
                    raise

    def _launch_once(self):
        self.port = free_loopback_port()
        self._stderr_path = self.tmpdir / f"slapd-{self.port}.stderr"
        with open(self._stderr_path, "wb") as stderr:
            self.process = subprocess.Popen(
                [self.slapd, "-d", self.debug_level, "-h", self.uri, "-f", str(self.config_path)],
                stdin=subprocess.DEVNULL,
                stdout=stderr,
                stderr=stderr,
            )
        deadline = time.monotonic() + self.start_timeout
        last_error = None
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                reason = f"slapd exited with status {self.process.returncode}"
                if "Address already in use" in self._stderr():
                    self._fail(reason, _PortTaken)
                self._fail(reason)
            try:
                self.root_connection().unbind_s()
                return
            except ldap.LDAPError as exc:
                last_error = exc
                time.sleep(0.05)
        self._fail(f"no successful bind within {self.start_timeout:.0f} s ({last_error!r})")

    def _stderr(self):
        try:
            return self._stderr_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""

    def _fail(self, reason, error=SlapdUnavailable):
        raise error(f"{reason} on {self.uri}.\nslapd stderr:\n{self._stderr() or '(empty)'}")
