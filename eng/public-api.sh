#!/usr/bin/env bash
# Adds what is missing from a package's PublicAPI.Unshipped.txt (RS0016) with the analyzer's own code fix, keeping
# the members of records, which that fix drops (dotnet format 10.0.4xx); then keeps the file sorted. Review the diff:
# a public API change is a decision. Lines for removed members (RS0017) are left for you to delete.
#
#   bash eng/public-api.sh LiveFixtures LiveFixtures.Timing
set -euo pipefail
cd "$(dirname "$0")/.."
for project in "$@"; do
    file=src/$project/PublicAPI.Unshipped.txt
    before=$(mktemp)
    cp "$file" "$before"
    dotnet format analyzers "src/$project/$project.csproj" --diagnostics RS0016 --severity warn -v q || true
    merged=$(mktemp)
    { cat "$file"; grep -vxF -f "$file" "$before" || true; } >"$merged"
    { echo '#nullable enable'; grep -v '^#nullable' "$merged" | sed '/^$/d' | LC_ALL=C sort -u; } >"$file"
    rm -f "$before" "$merged"
    echo "$file: $(git diff --numstat -- "$file" | awk '{print "+" $1 " -" $2}')"
done
