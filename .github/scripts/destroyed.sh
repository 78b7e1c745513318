#!/usr/bin/env bash
# Usage: destroyed.sh <stack> [<cdktf output folder, default cdktf.out>]
# Fails, in one line, unless the state of the stack `cdktf destroy` just destroyed holds no resource any more
# (terraform state list, in the stack's folder, where cdktf ran terraform). cdktf exits 0 even when its terraform is
# killed, so a destroy step's exit code alone proves nothing: this is what the destroy must have produced.
set -euo pipefail
stack="$1" out="${2:-cdktf.out}"
dir="${out}/stacks/${stack}"
# shellcheck source=fail.sh source-path=SCRIPTDIR
source "$(dirname "$0")/fail.sh"
[ -d "$dir" ] || fail "no synthesized stack ${stack} at ${dir}: cannot tell what its destroy left"
left="$(terraform -chdir="$dir" state list 2>/dev/null)" || fail "terraform state list of ${stack} failed: the destroy did not complete; see the destroy step's log"
count="$(printf '%s' "$left" | grep -c . || true)"
[ "$count" -eq 0 ] || fail "the destroy of ${stack} left ${count} resources in its state ($(printf '%s' "$left" | head -3 | paste -sd, -)...): it did not complete, whatever cdktf's exit code"
echo "the destroy of ${stack} left nothing in its state"
