#!/usr/bin/env bash
# Prints CHANGELOG.md's section for VERSION (its body, without the heading) for the release
# notes; exits 1 when there is no such section or it is empty, so a release is never cut
# without notes. Headings look like `## [1.2.3] - 2026-12-07` or `## 1.2.3`.
set -euo pipefail
version="${1:?usage: release-notes.sh VERSION}"
changelog="${2:-CHANGELOG.md}"
awk -v v="$version" '
  /^## / {
    if (found) exit
    if (index($0, "## [" v "]") == 1 || $2 == v) { found = 1; next }
  }
  found { print; if ($0 ~ /[^[:space:]]/) body = 1 }
  END { if (!found || !body) exit 1 }
' "$changelog"
