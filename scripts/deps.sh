#!/usr/bin/env bash
# Installs the Debian packages a task needs when they are missing: `deps.sh run|test|bench|fuzz`.
# Quiet and fast when everything is present, so every make target can call it.
set -euo pipefail

run_pkgs=(build-essential pkg-config libmicrohttpd-dev libsqlite3-dev libjansson-dev libinih-dev
          libsodium-dev libssl-dev libcurl4-openssl-dev libutf8proc-dev libargon2-dev
          libxlsxwriter-dev libopencc-data libqrencode-dev libmagic-dev libpango1.0-dev libcairo2-dev libgumbo-dev
          libzip-dev libexpat1-dev
          fonts-wqy-microhei wamerican wbritish nodejs npm)
test_pkgs=(libcmocka-dev chromium chromium-driver fonts-wqy-microhei cppcheck clang-format clang libclang-rt-14-dev
           sqlite3 curl clamav-daemon poppler-utils unzip nginx-light)
bench_pkgs=(wrk nginx-light libhyperscan-dev rsyslog hugo python3-openpyxl inotify-tools aide
            prometheus-blackbox-exporter sqlite3)

want=()
case "${1:-run}" in
  run) want=("${run_pkgs[@]}") ;;
  test) want=("${run_pkgs[@]}" "${test_pkgs[@]}") ;;
  fuzz) want=("${run_pkgs[@]}" clang libclang-rt-14-dev libcmocka-dev) ;;
  bench) want=("${run_pkgs[@]}" "${bench_pkgs[@]}") ;;
  *) echo "usage: deps.sh run|test|bench|fuzz" >&2; exit 2 ;;
esac

missing=()
for p in "${want[@]}"; do
  # npm and nodejs may come from elsewhere than Debian; a working command is enough.
  case "$p" in
    nodejs) command -v node >/dev/null && continue ;;
    npm) command -v npm >/dev/null && continue ;;
  esac
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "installing missing packages: ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
$sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
