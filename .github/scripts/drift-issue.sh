#!/usr/bin/env bash
# Usage: drift-issue.sh <stage> <exit code of npm run plan -- <stage> --remote --detailed-exitcode> <summary file>
# One open issue per drifted stage, labelled drift: opened when the plan has changes (exit 2), its body replaced by the
# latest plan summary while the drift lasts, closed when a plan has none (exit 0). A failed plan (any other code)
# fails the job instead. Needs GH_TOKEN; RUN_URL links the run.
set -euo pipefail
stage="$1" code="$2" summary="$3"
title="Drift: api-auth-cognito-${stage}"
gh label create drift --color d93f0b --description "a stage differs from its Terraform configuration" --force > /dev/null
number="$(gh issue list --state open --label drift --json number,title \
  --jq ".[] | select(.title == \"${title}\") | .number" | head -n 1)"
case "$code" in
  0)
    if [ -n "$number" ]; then
      gh issue close "$number" --comment "No drift any more: the nightly plan of ${stage} has no changes (${RUN_URL:-})."
    fi
    echo "${stage}: no drift"
    ;;
  2)
    body="$(mktemp)"
    { echo "The nightly \`terraform plan\` of stage \`${stage}\` has changes: its resources differ from the configuration (${RUN_URL:-})."; echo; cat "$summary"; } > "$body"
    if [ -n "$number" ]; then
      gh issue edit "$number" --body-file "$body" > /dev/null
      echo "${stage}: drift, issue #${number} updated"
    else
      gh issue create --title "$title" --label drift --body-file "$body"
    fi
    ;;
  *)
    echo "the plan of ${stage} failed (exit ${code}): see the step above" >&2
    exit 1
    ;;
esac
