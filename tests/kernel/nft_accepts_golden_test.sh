#!/usr/bin/env bash
# Kernel check: `nft -c` (parse, evaluate and send the batch without
# committing) accepts the dry-run text of every golden case and of the
# examples. Runs inside a throwaway network namespace.
set -u
podwall=$1
ns="pw-nftc-$$"
ip netns add "$ns" || { echo "FAIL: cannot create netns"; exit 1; }
trap 'ip netns del "$ns" 2>/dev/null' EXIT
fail=0
for dir in tests/golden/ir/*/; do
  if ! "$podwall" apply --dry-run --output nft --node-name node-1 \
      -f tests/golden/ir/base.yaml -f "$dir/policies.yaml" |
      ip netns exec "$ns" nft -c -f -; then
    echo "FAIL: nft rejects $dir"; fail=1
  fi
done
if ! "$podwall" apply --dry-run --node-name node-1 -f manifests/examples |
    ip netns exec "$ns" nft -c -f -; then
  echo "FAIL: nft rejects the examples"; fail=1
fi
[[ $fail -eq 0 ]] && echo "nft -c accepts every golden ruleset"
exit $fail
