#!/usr/bin/env bash
# Runs every fuzz target for a short fixed budget: scripts/fuzz.sh [SCALE] (default 1).
# A failing input is written to the package's testdata/fuzz/<Target>/ and the script fails.
#
# Budgets are execution counts, sized for a few seconds each on 2 cores, not durations: with a
# duration, Go 1.26's fuzz coordinator can fail a target with a bare "context deadline exceeded"
# at the end of -fuzztime when a worker is slow to stop (golang/go#75804, fixed in Go 1.27).
# Minimising each new input is capped at 100 runs: FuzzLoad compiles schemas on every run, and
# the default 60s minimisation would eat the whole budget.
set -euo pipefail

scale="${1:-1}"
cd "$(dirname "$0")/.."

targets=(
	"FuzzExecute ./internal/server 20000"
	"FuzzStrictJSON ./internal/server 30000"
	"FuzzValidateParams ./connector 60000"
	"FuzzLoad ./connector 1500"
	"FuzzNormalizeHost ./internal/sentinelone 50000"
	"FuzzDecodeList ./internal/sentinelone 100000"
	"FuzzThreatStamps ./internal/sentinelone 100000"
	"FuzzAlertStamps ./internal/sentinelone 50000"
	"FuzzDestructiveSelection ./operations 400"
	"FuzzTemplate ./internal/playbook 20000"
)
for entry in "${targets[@]}"; do
	read -r name pkg count <<<"$entry"
	n=$((count * scale))
	echo "fuzz: $name ($pkg) for ${n} executions"
	go test -run '^$' -fuzz "^${name}\$" -fuzztime "${n}x" -fuzzminimizetime 100x "$pkg"
done
