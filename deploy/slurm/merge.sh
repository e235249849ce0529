#!/usr/bin/env bash
# Merges the array's partial results into the reports of one whole run; submit it with
# --dependency=afterok on the array job (see evaluate-array.sh).
#SBATCH --job-name=mnist-eval-merge
#SBATCH --cpus-per-task=1
#SBATCH --mem=1G
#SBATCH --time=00:05:00
set -euo pipefail
results=${RESULTS:-results}
node dist/src/cli/merge.js "$results/partials" --out "$results/reports"
