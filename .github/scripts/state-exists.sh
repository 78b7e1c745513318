#!/usr/bin/env bash
# Usage: state-exists.sh <stack> [<cdktf output folder, default cdktf.out>]
# Prints exists=true or exists=false (for $GITHUB_OUTPUT): whether the stack's Terraform state is in S3. The bucket,
# key and region are those of the synthesized stack's S3 backend (<folder>/stacks/<stack>/cdk.tf.json), the one place
# the app names them. A missing state is an answer; any other error (no credentials, access denied) fails, in one line.
set -euo pipefail
stack="$1" out="${2:-cdktf.out}"
synthesized="${out}/stacks/${stack}/cdk.tf.json"
# shellcheck source=fail.sh source-path=SCRIPTDIR
source "$(dirname "$0")/fail.sh"
[ -f "$synthesized" ] || fail "no synthesized stack ${stack} at ${synthesized}: run npx cdktf synth first"
backend() { jq -r --arg name "$1" '.terraform.backend.s3[$name] // ""' "$synthesized"; }
bucket="$(backend bucket)" key="$(backend key)" region="$(backend region)"
if [ -z "$bucket" ] || [ -z "$key" ]; then
  fail "stack ${stack} has no S3 backend in ${synthesized}: cannot tell where its state is"
fi
if error="$(aws s3api head-object --bucket "$bucket" --key "$key" ${region:+--region "$region"} 2>&1 > /dev/null)"; then
  echo "exists=true"
elif [[ "$error" == *"(404)"* || "$error" == *"Not Found"* ]]; then
  echo "exists=false"
else
  fail "cannot tell whether the state of ${stack} exists (s3://${bucket}/${key}): $(echo "$error" | tr '\n' ' ')"
fi
