#!/usr/bin/env bash
# `podwall validate` as a user runs it: exit codes and messages.
set -u
podwall=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

out=$("$podwall" validate -f manifests/examples 2>&1) || fail "examples rejected: $out"
[[ "$out" == *"network policy"* ]] || fail "no summary: $out"

cat > "$tmp/bad.yaml" <<'YAML'
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web, namespace: x}
spec:
  podSelector: {}
  egress:
  - ports:
    - port: 30000
      endPort: 20000
YAML
out=$("$podwall" validate -f "$tmp/bad.yaml" 2>&1); code=$?
[[ $code -eq 2 ]] || fail "bad input exit $code, want 2"
want="$tmp/bad.yaml:9: spec.egress[0].ports[0].endPort: Invalid value: 20000: must be greater than or equal to port"
[[ "$out" == *"$want"* ]] || fail "message: $out"

out=$("$podwall" validate -f "$tmp/missing.yaml" 2>&1); code=$?
[[ $code -eq 2 ]] || fail "missing file exit $code, want 2"

out=$("$podwall" frobnicate 2>&1); code=$?
[[ $code -eq 2 ]] || fail "bad usage exit $code, want 2"

out=$(echo '{"kind":"Namespace","apiVersion":"v1","metadata":{"name":"a"}}' |
  "$podwall" validate -f - -o json) || fail "stdin: $out"
[[ "$out" == *'"namespaces":1'* ]] || fail "json: $out"
echo "validate CLI ok"
