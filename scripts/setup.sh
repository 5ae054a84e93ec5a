#!/usr/bin/env bash
# Sets up a machine for hil: Debian packages, toxiproxy-server, npm packages, the build.
# Idempotent: each step checks first and only installs what is missing.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
tools="$root/tools"
toxiproxy_version="v2.12.0"
apt_packages=(socat mosquitto qemu-system-arm firmware-microbit-micropython)

say() { printf '[setup] %s\n' "$*"; }
fail() { printf '[setup] FAILED: %s\n' "$*" >&2; exit 1; }

# --- Debian packages -------------------------------------------------------
missing=()
for p in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  say "Debian packages present: ${apt_packages[*]}"
else
  say "installing Debian packages: ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq || fail "apt-get update (is a Debian mirror reachable?)"
  # mosquitto's package starts a system broker on 1883; hil starts its own on free ports.
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
    || fail "apt-get install ${missing[*]}"
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet mosquitto 2>/dev/null; then
    "${sudo_cmd[@]}" systemctl stop mosquitto || true
  fi
fi

# --- toxiproxy-server (Go), into tools/ -------------------------------------
want="$tools/bin/toxiproxy-server"
# The binary reports "version git"; the module version is read from its build info.
if [ -x "$want" ] && command -v go >/dev/null 2>&1 \
  && go version -m "$want" 2>/dev/null | grep -q "toxiproxy/v2[[:space:]]*${toxiproxy_version}"; then
  say "toxiproxy-server ${toxiproxy_version} present: $want"
else
  command -v go >/dev/null 2>&1 || fail "go is not installed; toxiproxy-server is built with 'go install'"
  say "building toxiproxy-server ${toxiproxy_version} with go install (first time takes a minute)"
  mkdir -p "$tools/bin"
  GOBIN="$tools/bin" GOFLAGS=-mod=mod go install "github.com/Shopify/toxiproxy/v2/cmd/server@${toxiproxy_version}" \
    || fail "go install github.com/Shopify/toxiproxy/v2/cmd/server@${toxiproxy_version}"
  mv -f "$tools/bin/server" "$want"
  say "toxiproxy-server installed: $want"
fi

# --- npm packages -----------------------------------------------------------
cd "$root"
if [ -d node_modules ] && [ node_modules/.package-lock.json -nt package-lock.json ]; then
  say "npm packages up to date"
else
  say "installing npm packages (npm ci)"
  npm ci --no-audit --no-fund || fail "npm ci"
fi

# --- build: tsc to dist/ ----------------------------------------------------
# bin/hil.js runs dist/ when it is current, else the sources through tsx (slower to start).
if [ -f dist/.built ] && [ -z "$(find harness tsconfig.json tsconfig.build.json -newer dist/.built -print -quit)" ]; then
  say "build up to date: dist/"
else
  say "building dist/ (npm run build)"
  npm run build --silent || fail "npm run build"
fi
say "done"
