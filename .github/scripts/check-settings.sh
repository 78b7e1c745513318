#!/usr/bin/env bash
# Usage: check-settings.sh [<cdktf.json, default cdktf.json>]
# Before a job plans or deploys against AWS: fails, in one line, when the state bucket was never bootstrapped
# (neither API_AUTH_COGNITO_STATE_BUCKET nor cdktf.json's context "stateBucket" names one), or when the workflow's
# region (vars.AWS_REGION, forced into API_AUTH_COGNITO_STATE_REGION and API_AUTH_COGNITO_REGION) disagrees with the
# state region `npm run bootstrap` recorded in cdktf.json's context ("stateRegion"), or with the region recorded there
# ("region"), which the CI roles allow.
set -euo pipefail
project="${1:-cdktf.json}"
# shellcheck source=fail.sh source-path=SCRIPTDIR
source "$(dirname "$0")/fail.sh"
recordedBucket="$(jq -r '.context.stateBucket // ""' "$project")"
recordedRegion="$(jq -r '.context.stateRegion // ""' "$project")"
[ -n "${API_AUTH_COGNITO_STATE_BUCKET:-}${recordedBucket}" ] \
  || fail "no state bucket: run npm run bootstrap, then set the repository variable STATE_BUCKET to the bucket it names"
region="${API_AUTH_COGNITO_STATE_REGION:-}"
if [ -n "$recordedRegion" ] && [ -n "$region" ] && [ "$region" != "$recordedRegion" ]; then
  fail "region mismatch: the workflow's vars.AWS_REGION (API_AUTH_COGNITO_STATE_REGION) is \"${region}\" but ${project} records stateRegion \"${recordedRegion}\" (npm run bootstrap); make them agree"
fi
# The CI roles allow the regions of the settings the CI stack was deployed with: cdktf.json's "region" when recorded.
recordedStageRegion="$(jq -r '.context.region // ""' "$project")"
stageRegion="${API_AUTH_COGNITO_REGION:-}"
if [ -n "$recordedStageRegion" ] && [ -n "$stageRegion" ] && [ "$stageRegion" != "$recordedStageRegion" ]; then
  fail "region mismatch: the workflow's vars.AWS_REGION (API_AUTH_COGNITO_REGION) is \"${stageRegion}\" but ${project} records region \"${recordedStageRegion}\", the region the CI roles allow (their stack was deployed with it); make them agree, or redeploy api-auth-cognito-ci"
fi
echo "state bucket and regions agree with ${project}"
