#!/usr/bin/env bash
# `podwall explain` and `podwall apply --dry-run --output ir` as a user runs
# them on the example manifests: verdicts, exit codes, deterministic output.
set -u
podwall=$1
fail() { echo "FAIL: $*"; exit 1; }

out=$("$podwall" explain -f manifests/examples --from shop/frontend --to shop/db --port 5432 2>&1)
[[ $? -eq 0 ]] || fail "explain deny must exit 0: $out"
[[ "$out" == DENY* ]] || fail "frontend -> db must be denied: $out"
[[ "$out" == *"isolated by: shop/allow-prometheus-scrape, shop/db-from-api, shop/default-deny-ingress"* ]] || fail "isolating policies: $out"

out=$("$podwall" explain -f manifests/examples --from shop/api --to shop/db --port 5432/tcp -o json) || fail "explain json: $out"
[[ "$out" == *'"verdict": "allow"'* ]] || fail "api -> db must be allowed: $out"
[[ "$out" == *'"name": "db-from-api"'* && "$out" == *'"rule": "ingress[0]"'* ]] || fail "deciding rule: $out"

out=$("$podwall" explain -f manifests/examples --from shop/nope --to shop/db --port 80 2>&1); code=$?
[[ $code -eq 2 && "$out" == *"no such pod"* ]] || fail "unknown pod: exit $code: $out"

a=$("$podwall" apply --dry-run --output ir -f manifests/examples --node-name node-1) || fail "dry-run"
b=$("$podwall" apply --dry-run --output ir -f manifests/examples --node-name node-1) || fail "dry-run"
[[ "$a" == "$b" ]] || fail "IR output not deterministic"
[[ "$a" == *'"kind": "NodePolicy"'* && "$a" == *'"id": "shop/db"'* ]] || fail "IR content: ${a:0:300}"

echo "compile CLI ok"
