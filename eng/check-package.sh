#!/usr/bin/env bash
# Packs every library under src/ in Release into the local feed (artifacts/packages), checks what each package
# holds, then restores tests/consumer from that feed into an empty NuGet cache and runs its tests: proof that the
# package works for an outside project. Prints one line per check; exits non-zero when any check fails.
#
#   bash eng/check-package.sh
#
# Needs the .NET SDK and unzip (installed with apt-get when missing and running as root).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
feed=$root/artifacts/packages
logs=$root/artifacts/check-package
consumer=$root/tests/consumer/LiveFixtures.Consumer.csproj
testapp_project=$root/tests/LiveFixtures.TestApp/LiveFixtures.TestApp.csproj
# Debug, as the solution build leaves it: CI has built it already by the time this runs.
testapp_dll=$root/tests/LiveFixtures.TestApp/bin/Debug/net10.0/LiveFixtures.TestApp.dll

# Leave no build servers or nodes behind, and no telemetry or banners.
export MSBUILDDISABLENODEREUSE=1 DOTNET_CLI_USE_MSBUILD_SERVER=0 UseSharedCompilation=false
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_CLI_WORKLOAD_UPDATE_NOTIFY_DISABLE=true

# The dependencies each package must declare, with their ranges ("id range" per line, sorted by id).
# A new package under src/ needs an entry here: its ranges are a decision, not an accident.
declare -A expected_deps
expected_deps[LiveFixtures.Timing]="Polly.Core [8.9.1, 9.0.0)
xunit.v3.extensibility.core [3.2.2, 5.0.0)"
expected_deps[LiveFixtures]="LiveFixtures.Timing @VERSION@
Polly.Core [8.9.1, 9.0.0)
xunit.v3.extensibility.core [3.2.2, 5.0.0)"
expected_deps[LiveFixtures.FluentAssertions]="FluentAssertions [6.12.0, 8.0.0)
LiveFixtures @VERSION@"
# The legs of the consumer check: "xunit.v3 version / FluentAssertions version / the test platform it brings".
legs=("3.2.2 6.12.0 MTP-v1" "4.0.2 7.2.2 MTP-v2")
# What the consumer's NoticeTests (both crash their app, 134/SIGABRT) must show in each runner's DEFAULT console output.
# dotnet test on Microsoft Testing Platform prints neither warnings nor a passing test's output, but it lists each test's
# attachments: the notice is attached under a name that says what happened.
notice_attachments=("CrashingApp-NOTICE-gen1-died-during-this-test-exit-code-134-SIGABRT" "CrashingApp-NOTICE-respawned-gen2-after-gen1-died-exit-code-134-SIGABRT")
# The executable run directly and VSTest print the warnings: the notice itself.
notice_warnings=("CrashingApp \(generation 1, pid [0-9]+\) died during this test" "This test starts on generation 2 \(pid [0-9]+\), a fresh process")
# The end-of-run summary line of the consumer's CrashingApp fixture (NoticeTests crash it twice). dotnet test on Microsoft
# Testing Platform lists it as a file named after the line (the package's extension, buildTransitive/LiveFixtures.targets);
# the executable run directly prints it on standard error after xUnit's own summary.
summary_line="CrashingApp: 2 generations, 2 deaths — LiveFixtures\.Consumer\.NoticeTests\.[A-Za-z_]+, exit code 134 \(SIGABRT\); LiveFixtures\.Consumer\.NoticeTests\.[A-Za-z_]+, exit code 134 \(SIGABRT\)"
summary_artifact="LiveFixtures-summary-[^/]+/$summary_line\.txt"
# Says which of the patterns (grep -E) a log lacks; empty when it has them all.
missing() { local log=$1; shift; local p; for p in "$@"; do grep -qE -- "$p" "$log" || printf '%s; ' "$p"; done; }

tools=()
started=$SECONDS
checks=0
failures=0
ok() { checks=$((checks + 1)); printf 'ok    %s\n' "$*"; }
bad() { checks=$((checks + 1)); failures=$((failures + 1)); printf 'FAIL  %s\n' "$*"; }
# Ends the run: a later step cannot be checked when this one failed.
stop() {
    bad "$1"
    [ -n "${2:-}" ] && [ -f "$2" ] && { echo "----- last lines of $2"; tail -n 40 "$2"; echo "-----"; }
    echo "check-package: FAILED ($failures of $checks checks failed, $((SECONDS - started)) s)"
    exit 1
}
# The value of one property in the JSON that 'dotnet msbuild -getProperty:A -getProperty:B' prints.
field() { sed -n "s/.*\"$2\": *\"\([^\"]*\)\".*/\1/p" <<<"$1"; }

mkdir -p "$feed" "$logs"

# 0. unzip lists the packages.
if ! command -v unzip >/dev/null 2>&1; then
    if [ "$(id -u)" -eq 0 ]; then
        apt-get update -qq >/dev/null && apt-get install -y -qq unzip >/dev/null || stop "install unzip with apt-get"
    else
        stop "unzip is missing: install it (apt-get install unzip) and run again"
    fi
fi

# 1. Pack every project under src/ into the local feed.
projects=("$root"/src/*/*.csproj)
packages=()
version=
for project in "${projects[@]}"; do
    name=$(basename "$project" .csproj)
    # -t:MinVer: the version is computed from git tags by a target, so the property is read after it runs.
    props=$(dotnet msbuild "$project" -t:MinVer -getProperty:PackageId -getProperty:PackageVersion -getProperty:IsPackable 2>&1) \
        || stop "read the package id and version of $name: $props"
    if [ "$name" = LiveFixtures.Watchdog ]; then
        # The watchdog's launcher is no package: LiveFixtures.dll embeds it (checked below).
        [ "$(field "$props" IsPackable)" = false ] && ok "$name is not a package of its own (embedded in LiveFixtures.dll)" \
            || bad "$name is not packable (it is embedded in LiveFixtures.dll), but IsPackable is '$(field "$props" IsPackable)'"
        continue
    fi
    [ "$(field "$props" IsPackable)" = true ] || { bad "$name is packable (IsPackable is '$(field "$props" IsPackable)'; src/Directory.Build.props sets it)"; continue; }
    id=$(field "$props" PackageId)
    v=$(field "$props" PackageVersion)
    if [ -z "$version" ]; then version=$v; fi
    [ "$v" = "$version" ] || bad "$id has version $v, the others $version: versions come from git tags through MinVer (src/Directory.Build.props)"
    rm -f "$feed/$id.$v.nupkg" "$feed/$id.$v.snupkg"
    log=$logs/pack-$id.log
    # ContinuousIntegrationBuild: deterministic paths in the PDB, as in CI, wherever the script runs.
    dotnet pack "$project" -c Release -nologo -v minimal -warnaserror -p:ContinuousIntegrationBuild=true >"$log" 2>&1 \
        || stop "pack $id $v (dotnet pack failed; full log: $log)" "$log"
    ok "pack $id $v into artifacts/packages"
    packages+=("$id")
done
[ ${#packages[@]} -gt 0 ] || stop "pack at least one package (none of ${projects[*]} packed)"

# 2. What each package holds.
for id in "${packages[@]}"; do
    nupkg=$feed/$id.$version.nupkg
    snupkg=$feed/$id.$version.snupkg
    [ -f "$nupkg" ] || { bad "$id: $nupkg exists"; continue; }
    listing=$(unzip -Z1 "$nupkg")
    nuspec=$(unzip -p "$nupkg" "$id.nuspec" | tr -d '\r')
    echo "      $id.$version.nupkg holds:"
    unzip -l "$nupkg" | sed -n '4,$p' | grep -v -e '^-' -e 'files$' | sed 's/^/        /'

    if grep -q '<packageType name="DotnetTool"' <<<"$nuspec"; then
        # A dotnet tool carries its own copy of everything it runs on, under tools/.
        if grep -qx "tools/net10.0/any/$id.dll" <<<"$listing" && grep -qx "tools/net10.0/any/DotnetToolSettings.xml" <<<"$listing" \
            && unzip -p "$nupkg" tools/net10.0/any/DotnetToolSettings.xml | grep -q 'Name="livefixtures"'; then
            ok "$id: a dotnet tool whose command is 'livefixtures' (tools/net10.0/any/$id.dll)"
        else
            bad "$id: a dotnet tool whose command is 'livefixtures' (tools/net10.0/any/$id.dll and DotnetToolSettings.xml)"
        fi
        tools+=("$id")
        continue
    fi

    if grep -qx 'README.md' <<<"$listing" && grep -q '<readme>README.md</readme>' <<<"$nuspec"; then
        ok "$id: README.md at the package root, named as the readme in the nuspec"
    else
        bad "$id: README.md at the package root, named as the readme in the nuspec"
    fi
    if grep -qx "lib/net10.0/$id.dll" <<<"$listing" && grep -qx "lib/net10.0/$id.xml" <<<"$listing"; then
        ok "$id: lib/net10.0/$id.dll with its XML documentation lib/net10.0/$id.xml"
    else
        bad "$id: lib/net10.0/$id.dll with its XML documentation lib/net10.0/$id.xml"
    fi
    others=$(grep -iE '\.(dll|exe)$' <<<"$listing" | grep -vx "lib/net10.0/$id.dll" || true)
    if [ -z "$others" ]; then
        ok "$id: no other assembly (no test assembly, no test app)"
    else
        bad "$id: no other assembly, but it holds $(paste -sd ' ' <<<"$others")"
    fi
    if grep -q '<license type="expression">MIT</license>' <<<"$nuspec"; then
        ok "$id: licence expression MIT"
    else
        bad "$id: licence expression MIT"
    fi
    if grep -qE '<projectUrl>|<repository [^>]*url=' <<<"$nuspec"; then
        bad "$id: names no project or repository address (the project has no public home yet), but: $(grep -oE '<projectUrl>[^<]*|<repository[^>]*>' <<<"$nuspec" | paste -sd ' ')"
    elif grep -qE '<repository type="git" commit="[0-9a-f]{40}"' <<<"$nuspec"; then
        ok "$id: records the commit it was built from, and names no address that does not exist"
    else
        bad "$id: records the commit it was built from (<repository type=\"git\" commit=...>)"
    fi
    if [ -f "$root/src/$id/PublicAPI.Shipped.txt" ] && [ -f "$root/src/$id/PublicAPI.Unshipped.txt" ]; then
        ok "$id: public API tracked in src/$id/PublicAPI.Shipped.txt and PublicAPI.Unshipped.txt"
    else
        bad "$id: public API tracked in src/$id/PublicAPI.Shipped.txt and PublicAPI.Unshipped.txt"
    fi
    symbols=$( [ -f "$snupkg" ] && unzip -Z1 "$snupkg" || true)
    if grep -qx "lib/net10.0/$id.pdb" <<<"$symbols"; then
        ok "$id: symbol package $id.$version.snupkg with lib/net10.0/$id.pdb"
    else
        bad "$id: symbol package $id.$version.snupkg with lib/net10.0/$id.pdb"
    fi

    if [ "$id" = LiveFixtures ]; then
        # The run's watchdog starts from the package: its launcher is a resource of LiveFixtures.dll.
        # grep -c reads to the end: with pipefail, grep -q would fail the pipe by closing it early.
        if [ "$(unzip -p "$nupkg" lib/net10.0/LiveFixtures.dll | grep -ac 'LiveFixtures.Watchdog.dll' || true)" -gt 0 ]; then
            ok "$id: lib/net10.0/$id.dll embeds the watchdog's launcher (LiveFixtures.Watchdog.dll)"
        else
            bad "$id: lib/net10.0/$id.dll embeds the watchdog's launcher (LiveFixtures.Watchdog.dll)"
        fi
    fi

    if [ -z "${expected_deps[$id]+set}" ]; then
        bad "$id: its dependency ranges are declared in eng/check-package.sh (add an expected_deps entry)"
        continue
    fi
    expected=$(sed "s/@VERSION@/$version/g" <<<"${expected_deps[$id]}" | sed '/^$/d' | sort)
    actual=$(grep -o '<dependency id="[^"]*" version="[^"]*"' <<<"$nuspec" \
        | sed 's/<dependency id="\([^"]*\)" version="\([^"]*\)"/\1 \2/' | sort)
    if [ "$actual" = "$expected" ]; then
        ok "$id: dependencies $(paste -sd ';' <<<"$actual" | sed 's/;/; /g')"
    else
        bad "$id: dependencies are '$(paste -sd ';' <<<"$actual")', expected '$(paste -sd ';' <<<"$expected")'"
    fi
done
if [ "$failures" -gt 0 ]; then
    stop "the package contents ($failures problem(s) above)"
fi

# 3. The consumer: an outside project that restores LiveFixtures $version from the local feed into an empty cache.
log=$logs/testapp-build.log
dotnet build "$testapp_project" -c Debug -nologo -v minimal >"$log" 2>&1 && [ -f "$testapp_dll" ] \
    || stop "build the test app (full log: $log)" "$log"
ok "build the test app: ${testapp_dll#"$root"/}"

cache=$(mktemp -d)
trap 'rm -rf "$cache"' EXIT
export NUGET_PACKAGES=$cache
for leg in "${legs[@]}"; do
    read -r xunit fa platform <<<"$leg"
    what="tests/consumer on xunit.v3 $xunit ($platform), FluentAssertions $fa"
    props=(-p:LiveFixturesVersion="$version" -p:XunitVersion="$xunit" -p:FluentAssertionsVersion="$fa")
    rm -rf "$root/tests/consumer/bin" "$root/tests/consumer/obj"
    log=$logs/consumer-restore-xunit-$xunit.log
    # Warnings are errors: a version conflict (NU1107) or an out-of-range dependency (NU1608) fails the leg.
    dotnet restore "$consumer" "${props[@]}" -p:TreatWarningsAsErrors=true >"$log" 2>&1 \
        || stop "restore $what from the local feed into an empty cache (full log: $log)" "$log"
    if grep -qE 'NU1107|NU1608|NU1603' "$log"; then
        stop "restore $what without version conflicts (full log: $log)" "$log"
    fi
    if cmp -s "$feed/LiveFixtures.$version.nupkg" "$cache/livefixtures/$version/livefixtures.$version.nupkg"; then
        ok "restore $what: LiveFixtures $version is the package just packed"
    else
        stop "restore $what: LiveFixtures $version in the cache is not the package just packed"
    fi

    log=$logs/consumer-test-xunit-$xunit.log
    status=0
    LIVEFIXTURES_TESTAPP=$testapp_dll timeout --kill-after=15 300 \
        dotnet test --project "$consumer" "${props[@]}" --no-restore >"$log" 2>&1 || status=$?
    total=$(grep -oE 'total: *[0-9]+' "$log" | grep -oE '[0-9]+' | tail -n 1 || true)
    failed=$(grep -oE 'failed: *[0-9]+' "$log" | grep -oE '[0-9]+' | tail -n 1 || true)
    if [ "$status" -ne 0 ] || [ "${total:-0}" -eq 0 ]; then
        stop "$what: dotnet test exited with $status (total ${total:-?}, failed ${failed:-?}; full log: $log)" "$log"
    fi
    ok "$what: ${total:-?} tests passed against the packed packages $version"
    lacks=$(missing "$log" "${notice_attachments[@]}")
    [ -z "$lacks" ] || stop "$what: dotnet test's default output names the notices (it lacks: $lacks full log: $log)" "$log"
    ok "$what: dotnet test's default output lists the notices (attachments named after the death)"
    lacks=$(missing "$log" "$summary_artifact")
    [ -z "$lacks" ] || stop "$what: dotnet test's default output of the passing run shows the end-of-run summary line (it lacks: $lacks full log: $log)" "$log"
    ok "$what: dotnet test's default output of the passing run shows the end-of-run summary line (a file named after it)"

    # The same build, its executable run directly (xUnit's own runner, default options but the one class).
    log=$logs/consumer-direct-xunit-$xunit.log
    status=0
    LIVEFIXTURES_TESTAPP=$testapp_dll timeout --kill-after=15 120 \
        "$root/tests/consumer/bin/Debug/net10.0/LiveFixtures.Consumer" -class LiveFixtures.Consumer.NoticeTests >"$log" 2>&1 || status=$?
    lacks=$(missing "$log" "${notice_warnings[@]}" "LiveFixtures run summary:\$" "^  $summary_line\$")
    [ "$status" -eq 0 ] && [ -z "$lacks" ] \
        || stop "tests/consumer on xunit.v3 $xunit run directly: passes and prints the notices and the summary (exit $status; it lacks: ${lacks:-nothing}; full log: $log)" "$log"
    ok "tests/consumer on xunit.v3 $xunit, the executable run directly: its default output prints the notices and the end-of-run summary"

    # VSTest: a copy outside this repository (whose global.json picks Microsoft Testing Platform), with the adapter.
    vstest=$(mktemp -d)
    cp "$root"/tests/consumer/*.cs "$root"/tests/consumer/*.csproj "$root"/tests/consumer/Directory.* "$vstest/"
    sed "s|../../artifacts/packages|$feed|" "$root/tests/consumer/nuget.config" >"$vstest/nuget.config"
    log=$logs/consumer-vstest-xunit-$xunit.log
    status=0
    (cd "$vstest" && LIVEFIXTURES_TESTAPP=$testapp_dll timeout --kill-after=15 300 \
        dotnet test LiveFixtures.Consumer.csproj -p:TestRunner=vstest "${props[@]}" >"$log" 2>&1) || status=$?
    lacks=$(missing "$log" "${notice_warnings[@]}" "Passed! ")
    [ "$status" -eq 0 ] && [ -z "$lacks" ] \
        || stop "tests/consumer on xunit.v3 $xunit under VSTest: passes and prints the notices (exit $status; it lacks: ${lacks:-nothing}; full log: $log)" "$log"
    ok "tests/consumer on xunit.v3 $xunit under VSTest ($(grep -oE 'xunit.runner.visualstudio [0-9.]+|Total: +[0-9]+' "$log" | tail -n 1)): passes, and its default output prints the notices"
    # VSTest does not show the end-of-run summary (docs/notices.md says why): said here, so that a change is noticed.
    if grep -qE -- "$summary_line" "$log"; then
        echo "      note: VSTest on xunit.v3 $xunit now shows the end-of-run summary: update docs/notices.md ($log)"
    else
        echo "      note: VSTest on xunit.v3 $xunit does not show the end-of-run summary, as docs/notices.md says"
    fi
    # With xUnit's diagnostic messages on, each fixture reports its line when it stops, which VSTest shows.
    log=$logs/consumer-vstest-diagnostics-xunit-$xunit.log
    status=0
    (cd "$vstest" && LIVEFIXTURES_TESTAPP=$testapp_dll timeout --kill-after=15 300 \
        dotnet test LiveFixtures.Consumer.csproj -p:TestRunner=vstest "${props[@]}" -- xUnit.DiagnosticMessages=true >"$log" 2>&1) || status=$?
    rm -rf "$vstest"
    lacks=$(missing "$log" "CrashingApp: so far in this run: $summary_line" "Passed! ")
    [ "$status" -eq 0 ] && [ -z "$lacks" ] \
        || stop "tests/consumer on xunit.v3 $xunit under VSTest with xUnit's diagnostic messages on: passes and shows the fixture's summary line (exit $status; it lacks: ${lacks:-nothing}; full log: $log)" "$log"
    ok "tests/consumer on xunit.v3 $xunit under VSTest with xUnit's diagnostic messages on (-- xUnit.DiagnosticMessages=true): shows the fixture's summary line when it stops"
done
rm -rf "$root/tests/consumer/bin" "$root/tests/consumer/obj"

# 3b. What a reader copies: the C# of the README and docs/getting-started.md pasted into a new test project outside
# the repository (eng/docs-project.py), restored from the local feed and run against the test app, which the docs'
# fixture finds through LIVEGUI_APP. Today's xUnit, as 'dotnet new xunit3' gives.
docs_root=$(mktemp -d)
trap 'rm -rf "$cache" "$docs_root"' EXIT
log=$logs/docs-project.log
docs_project=$(python3 "$root/eng/docs-project.py" "$root" "$docs_root" "$version" 4.0.2 "$feed" 2>"$log") \
    || stop "create a test project from the C# in README.md and docs/getting-started.md (full log: $log)" "$log"
ok "create a test project from the docs' C# ($(ls "$docs_project"/Doc*.cs | wc -l) files) in ${docs_root}"
log=$logs/docs-project-test.log
status=0
(cd "$docs_root" && LIVEGUI_APP=$testapp_dll timeout --kill-after=15 300 \
    dotnet test --project "$docs_project" --output Detailed -p:TreatWarningsAsErrors=true >"$log" 2>&1) || status=$?
total=$(grep -oE 'total: *[0-9]+' "$log" | grep -oE '[0-9]+' | tail -n 1 || true)
failed=$(grep -oE 'failed: *[0-9]+' "$log" | grep -oE '[0-9]+' | tail -n 1 || true)
if [ "$status" -ne 0 ] || [ "${total:-0}" -eq 0 ]; then
    stop "the docs' project builds and passes (dotnet test exited with $status, total ${total:-?}, failed ${failed:-?}; full log: $log)" "$log"
fi
ok "the docs' project: ${total} tests passed against the packed LiveFixtures $version and the test app"

# 4. The tool: installed from the local feed as a user installs it, and run against an empty and a corrupt store.
for id in "${tools[@]}"; do
    tool_path=$(mktemp -d)
    state=$(mktemp -d)
    log=$logs/tool-install.log
    dotnet tool install "$id" --version "$version" --tool-path "$tool_path" --add-source "$feed" >"$log" 2>&1 \
        || stop "install $id $version from the local feed (full log: $log)" "$log"
    ok "install $id $version from the local feed with 'dotnet tool install'"
    out=$(LIVEFIXTURES_STATE_DIR=$state/store "$tool_path/livefixtures" ps 2>&1) && grep -q 'No generations recorded' <<<"$out" \
        || stop "livefixtures ps on an empty store says there is nothing (it printed: $out)"
    mkdir -p "$state/store/runs" && echo 'not json' >"$state/store/runs/bad.json"
    out=$(LIVEFIXTURES_STATE_DIR=$state/store "$tool_path/livefixtures" ps 2>&1) && grep -q 'moved aside' <<<"$out" \
        || stop "livefixtures ps on a corrupt store warns and goes on (it printed: $out)"
    status=0; out=$("$tool_path/livefixtures" prune --older-than soon 2>&1) || status=$?
    [ "$status" -eq 1 ] && [ "$(wc -l <<<"$out")" -eq 1 ] \
        || stop "livefixtures prune with a bad age fails with exit code 1 and one line (exit $status: $out)"
    ok "livefixtures runs: ps on an empty and on a corrupt store, a one-line error with exit code 1"
    rm -rf "$tool_path" "$state"
done

echo "check-package: all $checks checks ok ($((SECONDS - started)) s)"
