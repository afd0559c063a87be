#!/usr/bin/env bash
# Installs the packed tarball the way a user without a compiler would, and runs
# the demo from it: a fresh folder whose path has spaces, PATH holding node and
# npm and a shell only (no g++, cc, make, python3), install scripts skipped as
# pnpm does by default. Usage: scripts/ci-install-check.sh demure-X.Y.Z.tgz
set -euo pipefail
tarball="$(realpath "$1")"
work="$(mktemp -d "${TMPDIR:-/tmp}/demure install check XXXXXX")"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/bin" "$work/my app"
for tool in node npm npx sh; do ln -s "$(command -v "$tool")" "$work/bin/$tool"; done
# Runs a command with only those on PATH.
bare() { PATH="$work/bin" "$@"; }
for tool in g++ c++ cc gcc make python3; do
  if (PATH="$work/bin" command -v "$tool" >/dev/null 2>&1); then
    echo "compiler still visible: $tool" >&2
    exit 1
  fi
done
cd "$work/my app"
start=$SECONDS
bare npm init -y >/dev/null
bare npm install "$tarball" --ignore-scripts --no-audit --no-fund 2>&1 | tee "$work/install.log"
echo "install without scripts: $((SECONDS - start)) s"
if grep -q EBADENGINE "$work/install.log"; then echo "EBADENGINE during install" >&2; exit 1; fi
if [ -e node_modules/demure/build ]; then echo "something was compiled" >&2; exit 1; fi
bare npx demure --help >/dev/null
bare npx demure demo --users 40 --epochs 1 --out "$work/my app/runs"
# Every import format works without a compiler too: SQLite runs as WebAssembly.
bare node -e '
const { Database } = require("node-sqlite3-wasm");
const db = new Database("log.sqlite");
db.run("CREATE TABLE log (u TEXT, i TEXT, t INTEGER)");
for (let n = 0; n < 12; n++) db.run("INSERT INTO log VALUES (?, ?, ?)", [`u${n % 3}`, `i${n % 4}`, n]);
db.close();'
bare npx demure import log.sqlite --table log --user u --item i --time t --out "$work/my app/imported" --json >/dev/null
test "$(wc -l <"$work/my app/imported/imported.inter")" -eq 13 || { echo "SQLite import from the tarball lost rows" >&2; exit 1; }
# With install scripts on (npm's default), the prebuilt addon is found and
# nothing is compiled either.
mkdir "$work/with scripts"
cd "$work/with scripts"
bare npm init -y >/dev/null
bare npm install "$tarball" --no-audit --no-fund
if [ -e node_modules/demure/build ]; then echo "the install script compiled" >&2; exit 1; fi
bare npx demure bench step --steps 2
echo "demo from the tarball, without a compiler, in '$work/my app': ok"
