#!/usr/bin/env bash
# Usage: upsert-comment.sh <pull request number> <key> <body file>
# Keeps one comment per key on the pull request: the comment that starts with <!-- <key> --> is edited in place,
# or created when there is none, so a push updates the plan comment instead of adding one. Needs GH_TOKEN.
set -euo pipefail
pr="$1" key="$2" file="$3"
marker="<!-- ${key} -->"
body="$(printf '%s\n%s\n' "$marker" "$(cat "$file")")"
id="$(gh api "repos/${GITHUB_REPOSITORY}/issues/${pr}/comments" --paginate \
  --jq ".[] | select(.body | startswith(\"${marker}\")) | .id" | head -n 1)"
if [ -n "$id" ]; then
  gh api --method PATCH "repos/${GITHUB_REPOSITORY}/issues/comments/${id}" -f body="$body" > /dev/null
  echo "updated comment ${id} (${key})"
else
  gh api --method POST "repos/${GITHUB_REPOSITORY}/issues/${pr}/comments" -f body="$body" > /dev/null
  echo "created the comment for ${key}"
fi
