#!/usr/bin/env bash
# A small CA for the fleet's mutual TLS, with openssl only.
#
#   fleet-ca.sh init   CA_DIR                    create the fleet CA (once; keep CA_DIR offline)
#   fleet-ca.sh server CA_DIR OUT_DIR NAME SAN   server cert for the fleet Prometheus,
#                                                SAN e.g. "DNS:fleet-metrics.example.id,IP:10.0.0.5"
#   fleet-ca.sh client CA_DIR OUT_DIR CN [DAYS]  client cert: CN = kiosk_id for a kiosk
#                                                (→ kiosk.crt/kiosk.key), or an operator name
#
# Keys are EC P-256, created with mode 0600. Client certificates default to 397 days;
# the KioskClientCertExpiringSoon alert fires 30 days before the end.
set -euo pipefail
umask 077

die() { echo "fleet-ca: $*" >&2; exit 2; }

cmd=${1:-}
case "$cmd" in
  init)
    ca=${2:?CA_DIR}
    mkdir -p "$ca"
    [ -e "$ca/fleet-ca.key" ] && die "$ca/fleet-ca.key exists; refusing to overwrite the CA"
    openssl ecparam -name prime256v1 -genkey -noout -out "$ca/fleet-ca.key"
    openssl req -x509 -new -key "$ca/fleet-ca.key" -sha256 -days 3650 -subj "/O=ADM kiosk fleet/CN=ADM fleet CA" \
      -addext "basicConstraints=critical,CA:TRUE,pathlen:0" -addext "keyUsage=critical,keyCertSign,cRLSign" \
      -out "$ca/fleet-ca.crt"
    echo "fleet-ca: CA in $ca (fleet-ca.crt is public; fleet-ca.key must stay offline)"
    ;;
  server | client)
    ca=${2:?CA_DIR}; out=${3:?OUT_DIR}; name=${4:?NAME}
    [[ "$name" =~ ^[A-Za-z0-9._-]{1,64}$ ]] || die "name must be [A-Za-z0-9._-], at most 64 characters"
    mkdir -p "$out"
    if [ "$cmd" = server ]; then
      san=${5:?SAN}; days=825; base="$out/$name"
      ext="basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
subjectAltName=$san"
    else
      days=${5:-397}; base="$out/$name"
      ext="basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=clientAuth"
    fi
    openssl ecparam -name prime256v1 -genkey -noout -out "$base.key"
    openssl req -new -key "$base.key" -subj "/O=ADM kiosk fleet/CN=$name" -out "$base.csr"
    openssl x509 -req -in "$base.csr" -CA "$ca/fleet-ca.crt" -CAkey "$ca/fleet-ca.key" -CAcreateserial \
      -days "$days" -sha256 -extfile <(printf '%s\n' "$ext") -out "$base.crt" 2>/dev/null
    rm -f "$base.csr"
    cp "$ca/fleet-ca.crt" "$out/fleet-ca.crt"
    echo "fleet-ca: $base.crt (CN=$name, $days days)"
    ;;
  *)
    sed -n '2,12p' "$0" >&2
    exit 2
    ;;
esac
