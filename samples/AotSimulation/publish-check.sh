#!/usr/bin/env bash
# Publishes samples/AotSimulation with NativeAOT (PublishAot=true; trim and AOT warnings are errors),
# runs the native executable and checks its output. Run by .ci/run after the tests.
set -euo pipefail
REPO="$(cd "$(dirname "$0")/../.." && pwd)"
OUT="$(mktemp -d "${TMPDIR:-/tmp}/snndsl-aot.XXXXXX")"
trap 'rm -rf "$OUT"' EXIT
START=$SECONDS
fail() { echo "AOT PUBLISH CHECK FAILED: $*" >&2; exit 1; }
echo "== dotnet publish -c Release samples/AotSimulation (NativeAOT)"
dotnet publish "$REPO/samples/AotSimulation" -c Release -o "$OUT" -nologo -v:q > "$OUT/publish.log" 2>&1 \
    || { cat "$OUT/publish.log"; fail "publish failed (log above); any IL2xxx/IL3xxx warning is an error here"; }
grep -E "warning (IL|CS)[0-9]+" "$OUT/publish.log" && fail "the publish reported warnings (above)"
[[ -x "$OUT/AotSimulation" ]] || fail "no native executable $OUT/AotSimulation"
output="$("$OUT/AotSimulation")" || { echo "$output"; fail "the native program exited with an error"; }
echo "$output" | sed 's/^/   | /'
grep -qxF "AotSimulation: running as a NativeAOT executable" <<< "$output" || fail "the program did not run as a NativeAOT executable"
grep -qxF "AdaptiveLif (Exact): 7189 spikes from 1000 neurons in 200 steps; the most driven neuron fired 13 times" <<< "$output" \
    || fail "the simulation's spike counts differ from the JIT run's (7189, 13)"
grep -qE "^epoch 5: .*accuracy 100\.0 %$" <<< "$output" || fail "training did not reach 100 % on the separable toy task"
echo "AOT publish check passed in $((SECONDS - START)) s ($(du -k "$OUT/AotSimulation" | cut -f1) KiB native executable)"
