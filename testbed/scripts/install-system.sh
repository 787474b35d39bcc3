#!/usr/bin/env bash
# Installs what the test bed needs from Debian and builds pgvector for PostgreSQL 15 from Debian's
# source package. Idempotent: a machine that has everything returns at once. Needs root (apt).
set -euo pipefail
cache=${HEIMDEX_CACHE_DIR:-$HOME/.cache/heimdex}
PG_MAJOR=15
need=()
for cmd in ffmpeg ffprobe espeak-ng openssl; do
  command -v "$cmd" >/dev/null 2>&1 || need+=("$cmd")
done
[ -x /usr/lib/postgresql/$PG_MAJOR/bin/postgres ] || need+=("postgresql-$PG_MAJOR")
# The web app's browser tests drive Debian's Chromium; a Korean font lets its screenshots show Hangul.
[ -x /usr/bin/chromium ] || need+=(chromium)
[ -f /usr/share/fonts/truetype/nanum/NanumGothic.ttf ] || need+=(fonts-nanum)
# The ocr stage reads each detected text line with Tesseract, in Korean and English.
command -v tesseract >/dev/null 2>&1 || need+=(tesseract-ocr)
[ -f /usr/share/tesseract-ocr/5/tessdata/kor.traineddata ] || need+=(tesseract-ocr-kor)
# The real-model tier builds its models with Python tooling in a venv (npm run models:build).
python3 -c 'import ensurepip, venv' >/dev/null 2>&1 || need+=(python3-venv)
pgvector_installed() { [ -f /usr/share/postgresql/$PG_MAJOR/extension/vector.control ]; }
pgvector_installed || need+=("postgresql-server-dev-$PG_MAJOR")
[ ${#need[@]} -eq 0 ] && exit 0

sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
pkgs=()
for n in "${need[@]}"; do
  case "$n" in ffprobe) pkgs+=(ffmpeg) ;; *) pkgs+=("$n") ;; esac
done
echo "installing from Debian: ${pkgs[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq >/dev/null
$sudo apt-get install -y -qq --no-install-recommends "${pkgs[@]}" make gcc >/dev/null

if ! pgvector_installed; then
  # Debian 12 has no pgvector package for PostgreSQL 15; trixie's source package builds against it.
  # A private sources list keeps trixie out of the system's own apt configuration.
  work="$cache/pgvector-src"; lists="$cache/apt-lists"; mkdir -p "$work" "$lists/partial"
  echo 'deb-src http://deb.debian.org/debian trixie main' > "$cache/trixie-src.list"
  opts=(-o APT::Sandbox::User=root -o "Dir::Etc::SourceList=$cache/trixie-src.list" -o "Dir::Etc::SourceParts=/dev/null" -o "Dir::State::Lists=$lists")
  (cd "$work" && apt-get "${opts[@]}" update -qq >/dev/null && apt-get "${opts[@]}" source --download-only pgvector >/dev/null)
  tarball=$(ls "$work"/pgvector_*.orig.tar.* | head -n1)
  rm -rf "$work/build" && mkdir -p "$work/build"
  tar -xf "$tarball" -C "$work/build" --strip-components=1
  make -s -C "$work/build" PG_CONFIG=/usr/lib/postgresql/$PG_MAJOR/bin/pg_config OPTFLAGS="" >/dev/null
  $sudo make -s -C "$work/build" PG_CONFIG=/usr/lib/postgresql/$PG_MAJOR/bin/pg_config install >/dev/null
  echo "pgvector $(basename "$tarball") installed for PostgreSQL $PG_MAJOR" >&2
fi
