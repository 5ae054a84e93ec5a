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

# --- MicroPython libraries from PyPI, into tools/micropython-lib/ ------------
# Board files for the real-MicroPython boards (docs/micropython-boards.md): sdists pinned by
# version and sha256, only their .py files kept, one folder per package. PyPI's metadata
# fails pip for these (sdists without setup.py), so they are fetched from its JSON API.
mplib="$tools/micropython-lib"
mp_packages=(
  "micropython-umqtt.simple 1.3.4 b6a2520239e3992c63a7de9370ee9b3d9d27819a90359c521f1c0f7ccab8d12f"
  "micropython-umqtt.robust 1.0 22a1b8c8e1128281efb13b3020927d07e33c5b747869da2cd77d37983a9ea002"
  "micropython-umqtt.simple2 2.2.0 48fd4da7701b95986293b06d343fbc564ebe7dfa82f5c8c09364c20df755f0e4"
  "micropython-umqtt.robust2 2.2.0 da3a09a570868d8e4ae6d2fad475230f6f2b130b45711be6873f83b10ebd4a6c"
  "micropython-mqtt-async 0.7b4 c10a8a34064adad629f71f7ea559f7070169ce13c180265509f68f58618eec2b"
)
for entry in "${mp_packages[@]}"; do
  read -r name version sha <<<"$entry"
  dest="$mplib/$name-$version"
  if [ -f "$dest/.sha256" ] && [ "$(cat "$dest/.sha256")" = "$sha" ]; then
    say "$name $version present: $dest"
    continue
  fi
  say "fetching $name $version from PyPI"
  python3 - "$name" "$version" "$sha" "$dest" <<'PY' || fail "$name $version from PyPI"
import hashlib, io, json, os, shutil, sys, tarfile, urllib.request
name, version, sha, dest = sys.argv[1:]
meta = json.load(urllib.request.urlopen(f"https://pypi.org/pypi/{name}/json", timeout=60))
sdist = next(u for u in meta["releases"].get(version, []) if u["packagetype"] == "sdist")
data = urllib.request.urlopen(sdist["url"], timeout=60).read()
got = hashlib.sha256(data).hexdigest()
if got != sha:
    sys.exit(f"{sdist['filename']}: sha256 {got}, expected {sha}")
shutil.rmtree(dest, ignore_errors=True)
with tarfile.open(fileobj=io.BytesIO(data)) as tar:
    for m in tar.getmembers():
        rel = m.name.split("/", 1)[1] if "/" in m.name else ""
        # Only the package's own modules: no setup.py, no egg-info, no links.
        if not m.isfile() or not rel.endswith(".py") or rel == "setup.py" or ".egg-info" in rel:
            continue
        out = os.path.join(dest, rel)
        os.makedirs(os.path.dirname(out), exist_ok=True)
        with open(out, "wb") as f:
            f.write(tar.extractfile(m).read())
with open(os.path.join(dest, ".sha256"), "w") as f:
    f.write(sha)
PY
  say "$name $version installed: $dest"
done

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
