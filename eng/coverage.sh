#!/usr/bin/env bash
# Measures the line and branch coverage of every package under src/ while the whole test suite runs (coverlet.MTP, an
# extension of Microsoft Testing Platform v2, in each test project), prints it per package, and exits 1 when a package
# is below 80 % of its lines. Reports go to artifacts/coverage (Cobertura XML, one per test assembly).
#
#   bash eng/coverage.sh          # measure and check
#   bash eng/coverage.sh --html   # also write a report to open in a browser: artifacts/coverage/html/index.html
#
# Only code that runs inside the test processes is measured: the process-tree tests run a second time in the
# process-group tier with the trace on (eng/coverage-fallback.sh), and the livefixtures tool is measured through its own
# in-process tests (tests/LiveFixtures.Tool.Tests). CI (.ci/run) measures the same in its test run.
set -uo pipefail
cd "$(dirname "$0")/.."
out=artifacts/coverage
rm -rf "$out"
dotnet test --coverlet --coverlet-output-format cobertura --coverlet-include '[LiveFixtures*]*' --results-directory "$out"
status=$?
bash eng/coverage-fallback.sh "$out/fallback-tier" || status=1
python3 eng/coverage-summary.py "$out" 80 || status=1
if [ "${1:-}" = --html ]; then
    # ReportGenerator, as a dotnet tool installed into artifacts/tools on first use.
    tools=artifacts/tools
    [ -x "$tools/reportgenerator" ] || dotnet tool install dotnet-reportgenerator-globaltool --version 5.6.0 --tool-path "$tools" >/dev/null \
        || { echo "Could not install dotnet-reportgenerator-globaltool 5.6.0 into $tools." >&2; exit 1; }
    "$tools/reportgenerator" "-reports:$out/*.cobertura*.xml;$out/fallback-tier/*.cobertura*.xml" "-targetdir:$out/html" -reporttypes:Html >/dev/null \
        && echo "coverage report: $out/html/index.html" || status=1
fi
exit $status
