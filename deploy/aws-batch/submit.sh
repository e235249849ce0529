#!/usr/bin/env bash
# Submits the shards as an AWS Batch array job (AWS Batch sets AWS_BATCH_JOB_ARRAY_INDEX in
# each child), then the merge as a job that starts when every child has succeeded.
# Usage: deploy/aws-batch/submit.sh JOB_QUEUE [SHARDS]
set -euo pipefail
queue=${1:?usage: submit.sh JOB_QUEUE [SHARDS]}
shards=${2:-4}
# an AWS Batch array job has 2 to 10,000 children
if [ "$shards" -lt 2 ] || [ "$shards" -gt 10000 ]; then
  echo "submit.sh: SHARDS: expected 2 to 10000, got $shards" >&2
  exit 2
fi

array_id=$(aws batch submit-job --job-name mnist-eval-shards --job-queue "$queue" \
  --job-definition mnist-eval-shard --array-properties "size=$shards" \
  --parameters "shards=$shards" --query jobId --output text)
aws batch submit-job --job-name mnist-eval-merge --job-queue "$queue" \
  --job-definition mnist-eval-merge --depends-on "jobId=$array_id" \
  --query jobId --output text
