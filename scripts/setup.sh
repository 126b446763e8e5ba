#!/usr/bin/env bash
# Install what the portal needs on a Debian 12 machine, idempotently:
# system packages (only the missing ones), a virtualenv in .venv, pinned Python
# packages, the test suite's npm packages (axe-core, vnu-jar), the compiled translations
# and the printed form's font. The long steps run once and say so; a second run takes
# a second.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  gcc python3-dev python3-venv          # python-ldap builds from source
  libldap-dev libsasl2-dev              # ... against these headers
  slapd ldap-utils                      # the private directory the tests start
  fonts-noto-cjk                        # Chinese glyphs in the PDF
  libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0   # WeasyPrint; harfbuzz-subset avoids a 50x slowdown
  poppler-utils                         # pdftotext/pdftoppm to read PDFs back
  chromium                              # end-to-end tests (never `playwright install`)
  gettext                               # compilemessages
  wrk                                   # the load generator of bench/run and bench/soak
  nginx                                 # the balancer of tests/cluster and bench/run --nodes
  default-jre-headless                  # the Nu HTML checker (vnu-jar) in the test suite
)

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
# Node.js and npm for the accessibility checkers (axe-core, vnu-jar): Debian's, unless a
# node with npm is already there (NodeSource's nodejs ships npm and conflicts with Debian's).
command -v npm >/dev/null || missing+=(nodejs npm)
if [ ${#missing[@]} -gt 0 ]; then
  echo "==> Installing system packages (once; a few minutes on a new machine): ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  # Another apt (unattended-upgrades on a fresh machine) may hold the lock: wait for it,
  # up to ten minutes, rather than fail.
  APT=(apt-get -o DPkg::Lock::Timeout=600)
  # slapd asks debconf questions; the tests bring their own config, so skip them.
  echo "slapd slapd/no_configuration boolean true" | $SUDO debconf-set-selections
  $SUDO "${APT[@]}" update -q
  $SUDO "${APT[@]}" install -y -q --no-install-recommends "${missing[@]}"
fi

PYTHON=${PYTHON:-}
if [ -z "$PYTHON" ]; then
  for candidate in python3.11 python3; do
    if command -v "$candidate" >/dev/null && "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
      PYTHON=$candidate; break
    fi
  done
fi
[ -n "$PYTHON" ] || { echo "Python 3.11 is required (Django 5.2 LTS)." >&2; exit 1; }

if [ ! -x .venv/bin/python ]; then
  echo "==> Creating .venv with $PYTHON"
  "$PYTHON" -m venv .venv
fi

stamp=.venv/.requirements.sha
want=$(cat requirements.txt requirements-dev.txt | sha256sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "==> Installing the pinned Python packages into .venv (once, and again only when"
  echo "    requirements*.txt change; 2-5 minutes on a new machine, quiet until done)"
  .venv/bin/pip install -q --upgrade pip
  .venv/bin/pip install -q -r requirements-dev.txt
  echo "$want" > "$stamp"
fi

# axe-core and the Nu HTML checker for the accessibility tests, exactly as locked.
# --ignore-scripts: vnu-jar's install script would try to download a Java; Debian's runs it.
npm_stamp=node_modules/.package-lock.sha
npm_want=$(cat package.json package-lock.json | sha256sum | cut -d' ' -f1)
if [ "$(cat "$npm_stamp" 2>/dev/null)" != "$npm_want" ]; then
  echo "==> Installing the test suite's npm packages into node_modules (axe-core, vnu-jar;"
  echo "    once, and again only when package-lock.json changes)"
  npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
  echo "$npm_want" > "$npm_stamp"
fi

.venv/bin/python manage.py compilemessages -v 0 --ignore=.venv

# The printed form's CJK font cut down to common Chinese: forms of ~120 KB instead of
# ~320 KB (apps/applications/pdf_fonts.py). Built once (~30 s, says so); then silent.
.venv/bin/python manage.py build_pdf_fonts -v 0

# The test suite's CAS server (django-mama-cas, tests/cas_server.py) lives in its own
# virtualenv under var/, built once and rebuilt only when its pinned requirements change.
.venv/bin/python -m tests.cas_server >/dev/null
