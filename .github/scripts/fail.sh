# shellcheck shell=bash
# Sourced by the workflow scripts: `fail "<one line>"` reports it as a GitHub Actions error annotation and exits 1.
fail() {
  echo "::error::$1" >&2
  exit 1
}
