#!/usr/bin/env bash
# Checks central/openapi.yaml against the live reference server (issue #3, acceptance 6):
#   1. the document is valid OpenAPI 3.1 (openapi-spec-validator);
#   2. schemathesis fuzzes every operation over mutual TLS with the demo kiosk certificate,
#      positive and negative data, and fails on any 5xx or answer that does not match
#      the document. Bounded: a few dozen examples per operation, under ~3 minutes.
#
# Needs: python3 with venv (Debian: python3-venv), network access to PyPI on first run.
# Env: CARGO_TARGET_DIR (as for cargo), ADM_OPENAPI_VENV (where to keep the venv),
#      ST_MAX_EXAMPLES (default 25).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
target="${CARGO_TARGET_DIR:-$root/target}"
venv="${ADM_OPENAPI_VENV:-$target/openapi-venv}"
max_examples="${ST_MAX_EXAMPLES:-25}"

# Pinned so that CI results do not change under us (hypothesis too: it is what
# schemathesis generates with, and it changes almost daily).
pkgs=(schemathesis==4.32.5 hypothesis==6.170.15 openapi-spec-validator==0.9.0)
# Debian's own Python (python3-venv is installed by ./adm). A pyenv Python 3.11.5-3.11.7
# earlier in PATH fails inside hypothesis with "AST constructor recursion depth
# mismatch" (CPython gh-106905, fixed in 3.11.8).
py=/usr/bin/python3
[ -x "$py" ] || py=python3
if [ ! -x "$venv/bin/st" ] || [ ! -x "$venv/bin/openapi-spec-validator" ]; then
  "$py" -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "${pkgs[@]}"
fi

echo "== openapi-spec-validator"
"$venv/bin/openapi-spec-validator" "$here/openapi.yaml"

# `cargo test --workspace` already built it (with the workspace's features); building
# the package alone would recompile its dependencies with other features.
if [ ! -x "$target/debug/adm-central" ]; then
  echo "== building adm-central"
  (cd "$root" && cargo build --quiet -p adm-central --bin adm-central)
fi

state="$(mktemp -d)"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$state"
}
trap cleanup EXIT

# A published update bundle, so that GET /v1/update answers with an offer (the bytes
# are no real bundle: the server never looks inside).
head -c 100000 /dev/urandom > "$state/bundle.raucb"
"$target/debug/adm-central" --state-dir "$state" publish-update --bundle "$state/bundle.raucb" --version 0.0.1+openapi >/dev/null

# High rate limits: the fuzzer should explore behaviour, not spend its budget on 429s.
"$target/debug/adm-central" --state-dir "$state" serve --demo --port 0 \
  --sign-ins-per-minute 1000000 --requests-per-minute 1000000 --verifies-per-minute 1000000 --metrics-bind 127.0.0.1:0 \
  >"$state/stdout.log" 2>"$state/stderr.log" &
server_pid=$!

url=""
for _ in $(seq 1 150); do
  url="$(sed -n 's/^listening on //p' "$state/stdout.log" | head -n1)"
  [ -n "$url" ] && break
  if ! kill -0 "$server_pid" 2>/dev/null; then cat "$state/stderr.log" >&2; echo "server exited" >&2; exit 1; fi
  sleep 0.2
done
[ -n "$url" ] || { echo "server did not start in 30 s" >&2; exit 1; }
echo "== schemathesis against $url"

# A citizen session (BUDI, the demo citizen with an application in every status), so the
# operations behind a sign-in are explored past their 401 (schemathesis.toml hands the
# token only to the read-only ones: signing out would end it half-way).
ADM_CITIZEN_TOKEN="$(curl -sS --cacert "$state/ca.crt" --cert "$state/kiosk.crt" --key "$state/kiosk.key" \
  -H 'content-type: application/json' -d '{"nik":"3201011505800001","pin":"123456"}' \
  "$url/v1/sessions/nik" | "$py" -c 'import json, sys; print(json.load(sys.stdin)["token"])')"
export ADM_CITIZEN_TOKEN

status=0
# One worker: with two, hypothesis sometimes parses a lambda's source on both threads at
# once and Debian's Python 3.11 fails inside `ast.parse` ("AST constructor recursion depth
# mismatch", CPython gh-106905: the recursion check's bookkeeping is not thread-safe);
# seen once in a clean CI run. The whole run takes seconds either way.
# Run from the scratch directory: schemathesis leaves a .schemathesis/ cache behind.
cd "$state"
timeout 240 "$venv/bin/st" --config-file "$here/schemathesis.toml" run "$here/openapi.yaml" \
  --url "$url" \
  --tls-verify "$state/ca.crt" \
  --request-cert "$state/kiosk.crt" --request-cert-key "$state/kiosk.key" \
  --checks all \
  --mode all \
  --phases examples,coverage,fuzzing \
  --max-examples "$max_examples" \
  --workers 1 \
  --seed 20250131 \
  --generation-database none \
  --no-color || status=$?

# Belt and braces: the server must not have logged a panic or a 5xx of its own.
if grep -E "panicked|internal error|ERROR" "$state/stderr.log" >&2; then
  echo "server logged errors (see above)" >&2
  status=1
fi
exit "$status"
