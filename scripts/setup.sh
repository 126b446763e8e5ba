#!/usr/bin/env bash
# Install what the portal needs on a Debian 12 machine, idempotently:
# system packages (only the missing ones), a virtualenv in .venv, pinned Python
# packages, and the compiled translations. Safe to run again; fast when nothing is missing.
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
)

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "==> Installing system packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  # slapd asks debconf questions; the tests bring their own config, so skip them.
  echo "slapd slapd/no_configuration boolean true" | $SUDO debconf-set-selections
  $SUDO apt-get update -q
  $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
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
  echo "==> Installing Python packages"
  .venv/bin/pip install -q --upgrade pip
  .venv/bin/pip install -q -r requirements-dev.txt
  echo "$want" > "$stamp"
fi

.venv/bin/python manage.py compilemessages -v 0 --ignore=.venv

# The printed form's CJK font cut down to common Chinese (once; ~30 s): forms of ~120 KB
# instead of ~320 KB (apps/applications/pdf_fonts.py).
.venv/bin/python manage.py build_pdf_fonts -v 0

# The test suite's CAS server (django-mama-cas, tests/cas_server.py) lives in its own
# virtualenv under var/, built once and rebuilt only when its pinned requirements change.
.venv/bin/python -m tests.cas_server >/dev/null
