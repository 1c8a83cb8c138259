#!/usr/bin/env bash
# Package-consumption test (issue 9): uses SnnDsl the way a user does, through the NuGet package.
#
#  1. dotnet pack src/SnnDsl into a fresh local folder; check the package holds exactly what it should.
#  2. A fresh console project OUTSIDE the repository (mktemp -d), with a nuget.config that adds that
#     folder as a source and a private packages folder (a stale global cache can never be used),
#     references only the SnnDsl package, declares a LIF neuron with the DSL, builds with warnings as
#     errors, runs, and the output must match the hand-computed spike train.
#  3. A second project with an unstable model (forward Euler at Dt/TauMem = 2) must FAIL to build
#     with SNN1002 from the packaged analyzers. Until the SNN1002 rule exists in the descriptor
#     catalogue, it asserts a generator error (SNN0012) instead, which proves the same mechanism.
#
# Usage: bash tests/PackageConsumption/run.sh   (from anywhere; exit code 0 = passed)
# SNNDSL_KEEP=1 keeps the temporary folder for inspection.
set -euo pipefail
REPO="$(cd "$(dirname "$0")/../.." && pwd)"
HERE="$REPO/tests/PackageConsumption"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
WORK="$(mktemp -d "${TMPDIR:-/tmp}/snndsl-consumption.XXXXXX")"
STEP="setup"
fail() {
    echo "" >&2
    echo "PACKAGE CONSUMPTION TEST FAILED at step '$STEP': $*" >&2
    echo "(temporary files kept in $WORK)" >&2
    exit 1
}
on_exit() {
    local rc=$?
    if [[ $rc -ne 0 ]]; then
        [[ -d "$WORK" ]] && echo "PACKAGE CONSUMPTION TEST FAILED (exit $rc, step '$STEP'); files kept in $WORK" >&2
    elif [[ "${SNNDSL_KEEP:-}" != "1" ]]; then
        rm -rf "$WORK"
    fi
}
trap on_exit EXIT
case "$WORK" in "$REPO"/*) fail "the temporary folder $WORK is inside the repository";; esac
START=$SECONDS
list_zip() { if command -v unzip >/dev/null; then unzip -Z1 "$1"; else python3 -c 'import sys,zipfile; print("\n".join(zipfile.ZipFile(sys.argv[1]).namelist()))' "$1"; fi; }

# ---------------------------------------------------------------- 1. pack
STEP="pack"
echo "== [1/3] dotnet pack src/SnnDsl -c Release -o $WORK/feed"
dotnet pack "$REPO/src/SnnDsl" -c Release -o "$WORK/feed" -nologo -v:q > "$WORK/pack.log" 2>&1 \
    || { cat "$WORK/pack.log"; fail "dotnet pack failed (log above)"; }
VERSION="$(sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' "$REPO/Directory.Build.props" | head -1)"
[[ -n "$VERSION" ]] || fail "no <Version> in Directory.Build.props"
shopt -s nullglob
packages=("$WORK"/feed/*.nupkg)
shopt -u nullglob
[[ ${#packages[@]} -eq 1 ]] || fail "expected exactly one .nupkg, got: ${packages[*]:-none}"
NUPKG="$WORK/feed/SnnDsl.$VERSION.nupkg"
[[ -f "$NUPKG" ]] || fail "expected $NUPKG (version from Directory.Build.props), got ${packages[0]}"
[[ -f "$WORK/feed/SnnDsl.$VERSION.snupkg" ]] || fail "no symbols package SnnDsl.$VERSION.snupkg"
list_zip "$NUPKG" > "$WORK/contents.txt"
expected=(lib/net10.0/SnnDsl.dll lib/net10.0/SnnDsl.xml README.md LICENSE
          analyzers/dotnet/cs/SnnDsl.Generators.dll analyzers/dotnet/cs/SnnDsl.Analyzers.dll)
# The code fixes ship as soon as their project exists (src/SnnDsl/SnnDsl.csproj picks it up).
[[ -f "$REPO/analyzers/SnnDsl.CodeFixes/SnnDsl.CodeFixes.csproj" ]] && expected+=(analyzers/dotnet/cs/SnnDsl.CodeFixes.dll)
for entry in "${expected[@]}"; do
    grep -qxF "$entry" "$WORK/contents.txt" || fail "the package lacks $entry (contents: $(tr '\n' ' ' < "$WORK/contents.txt"))"
done
# Analyzer dependencies are not resolved from NuGet: nothing but our own assemblies may sit in analyzers/.
extra="$(grep '^analyzers/' "$WORK/contents.txt" | grep -v '^analyzers/dotnet/cs/SnnDsl\.[A-Za-z]*\.dll$' || true)"
[[ -z "$extra" ]] || fail "unexpected files in analyzers/: $extra"
echo "   SnnDsl.$VERSION.nupkg: $(grep -c . "$WORK/contents.txt") entries, $(grep -c '^analyzers/dotnet/cs/.*\.dll$' "$WORK/contents.txt") analyzer assemblies; SnnDsl.$VERSION.snupkg present"

# ---------------------------------------------------------------- shared consumer scaffolding
# Stop MSBuild's upward search for Directory.Build.* / NuGet at $WORK, and use a private packages folder.
cat > "$WORK/Directory.Build.props" <<XML
<Project>
  <PropertyGroup>
    <RestorePackagesPath>$WORK/packages</RestorePackagesPath>
  </PropertyGroup>
</Project>
XML
echo '<Project />' > "$WORK/Directory.Build.targets"
cat > "$WORK/nuget.config" <<XML
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <!-- Keep the user's sources (the registry, for System.Numerics.Tensors and System.IO.Hashing) and add the fresh local feed. -->
  <packageSources>
    <add key="snndsl-local" value="$WORK/feed" />
  </packageSources>
</configuration>
XML
make_project() { # make_project DIR STRICT (warnings as errors, XML docs required): a console app that references only the SnnDsl package
    mkdir -p "$1"
    cat > "$1/$(basename "$1").csproj" <<XML
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <OutputType>Exe</OutputType>
    <TargetFramework>net10.0</TargetFramework>
    <Nullable>enable</Nullable>
    <ImplicitUsings>enable</ImplicitUsings>
    <TreatWarningsAsErrors>$2</TreatWarningsAsErrors>
    <!-- With warnings as errors, a generated public member without an XML doc fails the build (CS1591). -->
    <GenerateDocumentationFile>$2</GenerateDocumentationFile>
    <EmitCompilerGeneratedFiles>true</EmitCompilerGeneratedFiles>
  </PropertyGroup>
  <ItemGroup>
    <PackageReference Include="SnnDsl" Version="$VERSION" />
  </ItemGroup>
</Project>
XML
}

# ---------------------------------------------------------------- 2. a working model
STEP="build and run a model"
echo "== [2/3] fresh console project $WORK/Consumer (PackageReference SnnDsl $VERSION only)"
make_project "$WORK/Consumer" true
cp "$HERE"/Consumer/*.cs "$WORK/Consumer/"
(cd "$WORK/Consumer" && dotnet build -c Release -nologo -v:q > "$WORK/consumer-build.log" 2>&1) \
    || { cat "$WORK/consumer-build.log"; fail "the consumer project did not build (log above)"; }
restored="$WORK/packages/snndsl/$VERSION/snndsl.$VERSION.nupkg"
[[ -f "$restored" ]] || fail "SnnDsl was not restored into the private packages folder ($restored missing)"
cmp -s "$restored" "$NUPKG" || fail "the restored SnnDsl $VERSION is not the package just built (another source served it?)"
generated="$(find "$WORK/Consumer/obj" -path '*generated/SnnDsl.Generators*' -name 'Consumer.Models.MyLif.Neuron.g.cs' | head -1)"
[[ -n "$generated" ]] || fail "the generator from the package did not emit Consumer.Models.MyLif.Neuron.g.cs (EmitCompilerGeneratedFiles)"
echo "   generated: ${generated#"$WORK/"}"
output="$(cd "$WORK/Consumer" && dotnet run -c Release --no-build 2>&1)" || { echo "$output"; fail "the consumer program exited with an error"; }
echo "$output" | sed 's/^/   | /'
# Hand-computed: exact integration of dV/dt = (-V + 1.5)/10 from V = 0 at Dt = 1 ms gives
# V_n = 1.5 (1 - e^(-n/10)); V_n >= 1 first at n = 11 (V_10 = 0.948, V_11 = 1.0007), then reset to 0,
# so a spike every 11 steps: at 0-based steps 10, 21, ..., 98 -> 9 spikes in 100 steps.
expected_line="MyLif: integrator Exact, 9 spikes in 100 steps at 10 21 32 43 54 65 76 87 98"
grep -qxF "$expected_line" <<< "$output" || fail "expected the line '$expected_line'"
grep -qxF "SnnDsl.Neurons.Lif (zoo, from lib/): 9 spikes" <<< "$output" || fail "the packaged zoo Lif does not give 9 spikes"

# ---------------------------------------------------------------- 3. an unstable model must not build
STEP="unstable model"
if grep -rqs '"SNN1002"' "$REPO/generators/SnnDsl.Model/Diagnostics/"; then
    EXPECT=SNN1002
    echo "== [3/3] unstable model (Euler, Dt/TauMem = 2) must fail the build with SNN1002"
else
    EXPECT=SNN0012
    echo "== [3/3] SNN1002 is not in the descriptor catalogue yet: asserting the generator's SNN0012 instead"
fi
make_project "$WORK/Unstable" false   # only real errors count here
cp "$HERE/Unstable/Program.cs" "$WORK/Unstable/Program.cs"
cp "$HERE/Unstable/$EXPECT.cs" "$WORK/Unstable/Model.cs"
if (cd "$WORK/Unstable" && dotnet build -c Release -nologo -v:q > "$WORK/unstable-build.log" 2>&1); then
    cat "$WORK/unstable-build.log"; fail "the unstable model built; expected error $EXPECT"
fi
grep -E "Model\.cs\([0-9]+,[0-9]+\): error $EXPECT:" "$WORK/unstable-build.log" > "$WORK/expected-errors.txt" \
    || { cat "$WORK/unstable-build.log"; fail "the build failed, but not with error $EXPECT in Model.cs (log above)"; }
others="$(grep -E ': error [A-Z]+[0-9]+' "$WORK/unstable-build.log" | grep -v ": error $EXPECT:" || true)"
[[ -z "$others" ]] || fail "the unstable model raised other errors besides $EXPECT: $others"
sed -E "s|^.*/(Model\.cs)|   \1|; s| \[/.*\]$||" "$WORK/expected-errors.txt" | sort -u
echo "package consumption test passed in $((SECONDS - START)) s"
