#!/usr/bin/env bash
# Set up voicebot on a fresh Debian machine: system packages, a virtualenv with the project
# and its embedded model packages, and the assembled models under models/.
#   scripts/setup.sh          service + models
#   scripts/setup.sh --test   also the test extras
set -euo pipefail
cd "$(dirname "$0")/.."

#   scripts/setup.sh --quality   also the optional 1.5B quality model (llm.model: qwen1.5b-bf16)
extras="models"
[ "${1:-}" = "--test" ] && extras="models,test"
[ "${1:-}" = "--quality" ] && extras="models,quality"

need_apt=()
# espeak-ng: Kokoro's phonemizer (a subprocess) and the last-resort voice; npm fetches
# Kokoro's Spanish voices (the kokoro-js package) at model assembly
command -v espeak-ng >/dev/null || need_apt+=(espeak-ng)
command -v npm >/dev/null || need_apt+=(npm)
if [ "${1:-}" = "--test" ]; then
  # the agent desk's browser test drives Debian's Chromium through Playwright
  command -v chromium >/dev/null || need_apt+=(chromium)
  # the store suite runs on a real PostgreSQL server the tests start themselves
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need_apt+=(postgresql)
  # real recorded Colombian Spanish digits (GSM, converted with sox) for spoken order numbers
  [ -e /usr/share/asterisk/sounds/es/digits/0.gsm ] || need_apt+=(asterisk-prompt-es-co)
  # recorded music on hold: the false-onset scenes of `voicebot bench --vad`
  ls /usr/share/asterisk/moh/*.wav >/dev/null 2>&1 || need_apt+=(asterisk-moh-opsound-wav)
  command -v sox >/dev/null || need_apt+=(sox)
  # the scale-out test runs two service processes sharing a real Redis (and PostgreSQL)
  command -v redis-server >/dev/null || need_apt+=(redis-server)
fi
if [ ${#need_apt[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q "${need_apt[@]}"
fi

python=${PYTHON:-python3.11}
command -v "$python" >/dev/null || python=python3
[ -x .venv/bin/python ] || "$python" -m venv .venv
.venv/bin/pip install -q --upgrade pip
# torch is pinned in pyproject.toml to the CPU build that lies on this machine's disk.
# llama-cpp-python compiles llama.cpp (a few minutes); a native build crashes on these VMs, so
# the instruction sets are named: those this CPU reports. A build that assumes AVX-512 dies of
# an illegal instruction on a CPU without it (seen here on a machine with AVX2 only).
cpu=" $(grep -m1 '^flags' /proc/cpuinfo 2>/dev/null | cut -d: -f2 || true) "
has() { case "$cpu" in *" $1 "*) echo ON ;; *) echo OFF ;; esac; }
export CMAKE_ARGS="${CMAKE_ARGS:--DGGML_NATIVE=OFF -DGGML_AVX=$(has avx) -DGGML_AVX2=$(has avx2) -DGGML_FMA=$(has fma) -DGGML_F16C=$(has f16c) -DGGML_AVX512=$(has avx512f)}"
export CMAKE_BUILD_PARALLEL_LEVEL="${CMAKE_BUILD_PARALLEL_LEVEL:-$(nproc)}"
# pip's wheel cache keys a built wheel by version, not by these flags: the wheel is built
# without the cache whenever the flags it was built with differ (a venv made on another CPU)
llama=$(grep -o 'llama-cpp-python==[0-9.]*' pyproject.toml)
stamp=.venv/llama-cpp-cmake-args
if [ "$(cat "$stamp" 2>/dev/null)" != "$CMAKE_ARGS" ]; then
  echo "llama.cpp: building for $CMAKE_ARGS"
  .venv/bin/pip install -q --no-cache-dir --force-reinstall --no-deps "$llama"
  echo "$CMAKE_ARGS" >"$stamp"
  rm -f models/bin/llama-server  # the server is built with the same flags below
fi
.venv/bin/pip install -q -e ".[${extras}]"
.venv/bin/voicebot models assemble

# llama.cpp's own server (llm.backend: llamacpp-server, issue 19): built from the llama.cpp
# sources vendored in the llama-cpp-python sdist of the version in the venv, so both backends
# run the same llama.cpp with the same instruction sets. One target, CPU only, no web UI (it
# would be downloaded), no HTTPS; a few minutes, once: skipped when the binary exists.
server=models/bin/llama-server
if [ ! -x "$server" ]; then
  version=$(.venv/bin/python -c 'import importlib.metadata as m; print(m.version("llama-cpp-python"))')
  src=$(mktemp -d)
  trap 'rm -rf "$src"' EXIT
  .venv/bin/pip download -q --no-binary :all: --no-deps -d "$src" "llama-cpp-python==$version"
  tar -xzf "$src"/llama_cpp_python-*.tar.gz -C "$src"
  # the compiler's warnings go to a log, shown only when the build fails
  # shellcheck disable=SC2086  # CMAKE_ARGS is a list of flags
  { nice -n 19 cmake -S "$src/llama_cpp_python-$version/vendor/llama.cpp" -B "$src/build" \
      -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=OFF -DLLAMA_CURL=OFF -DLLAMA_OPENSSL=OFF \
      -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_UI=OFF \
      -DLLAMA_USE_PREBUILT_UI=OFF $CMAKE_ARGS &&
    nice -n 19 cmake --build "$src/build" --target llama-server -j "$CMAKE_BUILD_PARALLEL_LEVEL"
  } >"$src/build.log" 2>&1 || { tail -n 40 "$src/build.log"; exit 1; }
  mkdir -p models/bin
  cp "$src/build/bin/llama-server" "$server"
fi
