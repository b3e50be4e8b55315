#!/usr/bin/env bash
# Runs every fuzz target for a short fixed time each: scripts/fuzz.sh [DURATION] (default 10s).
# A failing input is written to the package's testdata/fuzz/<Target>/ and the script fails.
# Minimising each new input is capped at 100 runs: FuzzLoad compiles schemas on every run, and
# the default 60s minimisation would eat the whole budget of a short run.
set -euo pipefail

T="${1:-10s}"
cd "$(dirname "$0")/.."

targets=(
	"FuzzExecute ./internal/server"
	"FuzzValidateParams ./connector"
	"FuzzLoad ./connector"
	"FuzzNormalizeHost ./internal/sentinelone"
)
for entry in "${targets[@]}"; do
	read -r name pkg <<<"$entry"
	echo "fuzz: $name ($pkg) for $T"
	go test -run '^$' -fuzz "^${name}\$" -fuzztime "$T" -fuzzminimizetime 100x "$pkg"
done
