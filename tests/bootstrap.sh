#!/bin/sh
# bootstrap.sh — install, with apt-get, only the Debian packages custody needs
# that are missing on this machine, and say what it installs. Run by `make demo`,
# `make test`, `make bench` and `make fuzz`; does nothing when all are present.
# python3-jieba and opencc: samples/rules/gen_lexicon.py (run by hand) reads jieba's
# dictionary and converts to traditional script; git: tests/bench/realtext.py; man-db and
# groff-base: the man pages (make man, tests/e2e/test_install.py); libpq-dev and
# postgresql: the shared frontier (--state) and its test, which starts its own server.
# faketime: the skewed test TSA (tests/e2e/servers/tsa.py --ahead); python3-jsonschema:
# the environment record checked against docs/environment.schema.json. gettext: xgettext,
# msgfmt and msgmerge for the catalogues of the Chinese interface (po/; libintl is in libc).
set -e
need="gcc make pkg-config libcurl4-openssl-dev libxml2-dev libssl-dev openssl libzstd-dev zstd
libjansson-dev zlib1g-dev python3 nginx-light nodejs npm clang libclang-rt-14-dev cppcheck
hyperfine wget wget2 bc time ca-certificates chromium git python3-jieba opencc
man-db groff-base libpq-dev postgresql faketime python3-jsonschema gettext
fonts-noto-cjk fonts-dejavu-core poppler-utils"
missing=""
for p in $need; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed' || missing="$missing $p"
done
# Node.js from another source (e.g. nodesource) brings npm with it: do not ask Debian for npm then.
case " $missing " in *" npm "*) command -v npm >/dev/null 2>&1 && missing=$(echo "$missing" | sed 's/ npm//') ;; esac
case " $missing " in *" nodejs "*) command -v node >/dev/null 2>&1 && missing=$(echo "$missing" | sed 's/ nodejs//') ;; esac
[ -z "$missing" ] && exit 0
echo "bootstrap: installing missing Debian packages:$missing"
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
echo "bootstrap: done"
