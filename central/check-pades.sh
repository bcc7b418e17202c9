#!/usr/bin/env bash
# Validates every demo PDF of the reference server with pyHanko (independent PAdES
# validator), trusting only the demo trust anchor; then checks that a tampered copy is
# judged invalid. Needs python3 with venv; pip installs pyHanko on first run.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
target="${CARGO_TARGET_DIR:-$root/target}"
venv="${ADM_PADES_VENV:-$target/pades-venv}"
if [ ! -x "$venv/bin/pyhanko" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check pyHanko==0.38.0 pyhanko-certvalidator==0.33.0 pyhanko-cli==0.6.0
fi
(cd "$root" && cargo build --quiet -p adm-central --bin adm-central)
bin="$target/debug/adm-central"
state="$(mktemp -d)"
trap 'rm -rf "$state"' EXIT
"$bin" --state-dir "$state" init --demo >/dev/null
"$bin" --state-dir "$state" export-documents --out "$state/pdf" >/dev/null
fail=0
for pdf in "$state"/pdf/*.pdf; do
  if "$venv/bin/pyhanko" sign validate --trust-replace --trust "$state/trust-anchor.crt" "$pdf" >"$pdf.txt" 2>&1 \
     && grep -q ":INTACT:TRUSTED,UNTOUCHED" "$pdf.txt"; then
    echo "valid:   $(basename "$pdf")"
  else
    echo "INVALID: $(basename "$pdf")"; cat "$pdf.txt"; fail=1
  fi
done
"$bin" --state-dir "$state" tamper --document-id doc-demo-0002 >/dev/null
"$bin" --state-dir "$state" export-documents --out "$state/tampered" >/dev/null
if "$venv/bin/pyhanko" sign validate --trust-replace --trust "$state/trust-anchor.crt" "$state/tampered/doc-demo-0002.pdf" >"$state/t.txt" 2>&1; then
  echo "tampered document was NOT refused"; cat "$state/t.txt"; fail=1
else
  echo "refused: tampered doc-demo-0002.pdf ($(grep -m1 -iE 'invalid|digest|fail' "$state/t.txt" || true))"
fi
exit "$fail"
