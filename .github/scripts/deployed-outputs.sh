#!/usr/bin/env bash
# Usage: deployed-outputs.sh <outputs file> <stack> [<cdktf output folder, default cdktf.out>]
# Fails, in one line, unless the file `cdktf deploy --outputs-file` wrote holds every output the synthesized stack
# declares (<cdktf output folder>/stacks/<stack>/cdk.tf.json; sensitive ones are not written, so not expected).
# cdktf exits 0 even when its terraform is killed (it prints "No outputs found." and writes {}), so a deploy step's exit
# code alone proves nothing: this is what the deploy must have produced.
set -euo pipefail
file="$1" stack="$2" out="${3:-cdktf.out}"
declared="${out}/stacks/${stack}/cdk.tf.json"
# shellcheck source=fail.sh source-path=SCRIPTDIR
source "$(dirname "$0")/fail.sh"
[ -f "$declared" ] || fail "no synthesized stack ${stack} at ${declared}: cannot tell which outputs its deploy must produce"
[ -f "$file" ] || fail "the deploy of ${stack} wrote no outputs file ${file}: it did not complete"
missing="$(jq -r --arg stack "$stack" --slurpfile declared "$declared" '
  ($declared[0].output // {} | to_entries | map(select(.value.sensitive != true) | .key))
  - (.[$stack] | if type == "object" then keys else [] end)
  | join(", ")' "$file" 2>/dev/null)" || fail "outputs file ${file} is not JSON: the deploy of ${stack} did not complete"
[ -z "$missing" ] || fail "the deploy of ${stack} did not produce its outputs (${missing} missing from ${file}): it did not complete, whatever cdktf's exit code; see the deploy step's log"
echo "the deploy of ${stack} produced every output it declares (${file})"
