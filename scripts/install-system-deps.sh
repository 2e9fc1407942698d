#!/usr/bin/env bash
# Installs, from Debian's packages, the system tools vigil's tests use, when they are missing:
# rsyslog and rsyslog-gnutls (syslog forwarding tests, TLS included), jq, openssl (TLS test
# certificates) and Python's cryptography (Fernet import tests). With --bench, also the password
# stores `npm run bench` reads beside vigil: pass with GnuPG, and keepassxc for keepassxc-cli
# (about 20 MB of Qt libraries; each benchmark section skips a missing tool). Needs root or sudo.
#   bash scripts/install-system-deps.sh            # what `npm test` needs (CI runs this)
#   bash scripts/install-system-deps.sh --bench    # plus the benchmark peers
set -euo pipefail
missing=()
command -v rsyslogd >/dev/null 2>&1 || [ -x /usr/sbin/rsyslogd ] || missing+=(rsyslog)
# The TLS syslog test (RFC 5425) needs rsyslog's GnuTLS stream driver, packaged separately.
compgen -G "/usr/lib/*/rsyslog/lmnsd_gtls.so" >/dev/null || missing+=(rsyslog-gnutls)
command -v jq >/dev/null 2>&1 || missing+=(jq)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
command -v python3 >/dev/null 2>&1 || missing+=(python3)
python3 -c 'import cryptography' >/dev/null 2>&1 || missing+=(python3-cryptography)
if [ "${1:-}" = "--bench" ]; then
  command -v gpg >/dev/null 2>&1 || missing+=(gnupg)
  command -v pass >/dev/null 2>&1 || missing+=(pass)
  command -v keepassxc-cli >/dev/null 2>&1 || missing+=(keepassxc)
fi
if [ "${#missing[@]}" -eq 0 ]; then
  echo "system tools present"
  exit 0
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "installing: ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
