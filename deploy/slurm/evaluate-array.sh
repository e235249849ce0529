#!/usr/bin/env bash
# A Slurm job array: one task per shard. Slurm sets SLURM_ARRAY_TASK_ID and
# SLURM_ARRAY_TASK_COUNT in every task, and --shard reads both. The array must count from 0.
# Submit from a checkout where `npm ci && npm run build` has run, on storage every node sees:
#   array=$(sbatch --parsable deploy/slurm/evaluate-array.sh)
#   sbatch --dependency=afterok:$array deploy/slurm/merge.sh
#SBATCH --job-name=mnist-eval-shards
#SBATCH --array=0-3
#SBATCH --cpus-per-task=2
#SBATCH --mem=1G
#SBATCH --time=00:10:00
set -euo pipefail
results=${RESULTS:-results}
node dist/src/cli/evaluate.js --shard --workers "${SLURM_CPUS_PER_TASK:-2}" \
  --out "$results/partials" --quiet
