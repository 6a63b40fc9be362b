#!/usr/bin/env bash
# The second coverage pass: the tests that contain process trees (containment, stop, lifecycle, daemonize) once more, in a test
# host forced to the process-group tier (LIVEFIXTURES_CGROUP_ROOT names a place where no cgroup can be made) and with
# the decision trace on. The main run's host chooses the cgroup tier where it may (as root here), so without this pass
# the tier most CI machines use, and the trace, would run only in child processes, which coverlet does not measure.
# Writes its xUnit and Cobertura reports to the folder given (default artifacts/coverage-fallback); exits non-zero
# when a test fails or the trace stayed empty. Run by .ci/run and eng/coverage.sh, after the build.
#
#   bash eng/coverage-fallback.sh [results folder]
set -uo pipefail
cd "$(dirname "$0")/.."
out=${1:-artifacts/coverage-fallback}
rm -rf "$out"
mkdir -p "$out"
# Absolute: the test host runs in its own output folder.
trace=$(cd "$out" && pwd)/trace.log
LIVEFIXTURES_CGROUP_ROOT=/proc/livefixtures-no-cgroup LIVEFIXTURES_TRACE=$trace \
    dotnet test --project tests/LiveFixtures.Tests --no-build --results-directory "$out" \
    --coverlet --coverlet-output-format cobertura --coverlet-include '[LiveFixtures*]*' \
    --filter-class LiveFixtures.Tests.Containment.ContainmentTests \
    --filter-class LiveFixtures.Tests.LiveProcessStopTests \
    --filter-class LiveFixtures.Tests.LiveProcessLifecycleTests \
    --filter-class LiveFixtures.Tests.LiveProcessDaemonizeTests
status=$?
if ! grep -q '\[containment\] tier ProcessGroup' "$trace" 2>/dev/null; then
    echo "The process-group pass wrote no trace line saying it ran in the ProcessGroup tier ($trace)." >&2
    status=1
fi
exit $status
