#!/usr/bin/env bash
# Kernel cross-check: for every golden case, `podwall apply` (netlink batch)
# in one network namespace and `nft -f` of the dry-run text in another must
# leave identical `nft list table inet podwall` output. Then `podwall
# uninstall` removes the table and leaves another table alone.
set -u
podwall=$1
a="pw-apply-a-$$"
b="pw-apply-b-$$"
ip netns add "$a" && ip netns add "$b" || { echo "FAIL: netns"; exit 1; }
trap 'ip netns del "$a" 2>/dev/null; ip netns del "$b" 2>/dev/null' EXIT
fail=0
for dir in tests/golden/ir/*/; do
  files=(-f tests/golden/ir/base.yaml -f "$dir/policies.yaml")
  if ! ip netns exec "$a" "$podwall" apply --node-name node-1 "${files[@]}" >/dev/null; then
    echo "FAIL: podwall apply $dir"; fail=1; continue
  fi
  "$podwall" apply --dry-run --node-name node-1 "${files[@]}" | ip netns exec "$b" nft -f - ||
    { echo "FAIL: nft -f $dir"; fail=1; continue; }
  if ! diff <(ip netns exec "$a" nft list table inet podwall) \
            <(ip netns exec "$b" nft list table inet podwall) >/tmp/pw-diff-$$; then
    echo "FAIL: netlink and nft -f differ for $dir"; head -40 /tmp/pw-diff-$$; fail=1
  fi
done
rm -f /tmp/pw-diff-$$
ip netns exec "$a" nft add table inet bystander
ip netns exec "$a" "$podwall" uninstall >/dev/null || { echo "FAIL: uninstall"; fail=1; }
ip netns exec "$a" nft list table inet podwall >/dev/null 2>&1 && { echo "FAIL: table still there"; fail=1; }
ip netns exec "$a" nft list table inet bystander >/dev/null || { echo "FAIL: uninstall touched another table"; fail=1; }
[[ $fail -eq 0 ]] && echo "netlink apply == nft -f for every golden case; uninstall ok"
exit $fail
