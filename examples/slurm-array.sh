#!/usr/bin/env bash
# A tracesim sweep as a Slurm job array: each array task computes one shard. tracesim reads
# SLURM_ARRAY_TASK_ID, SLURM_ARRAY_TASK_MIN and SLURM_ARRAY_TASK_COUNT, so no shard flags
# are needed. After the array finishes:
#   sbatch --dependency=afterok:<jobid> --wrap "tracesim merge $HOME/results/queue-sweep"
#
#SBATCH --job-name=tracesim-sweep
#SBATCH --array=0-19%10          # 20 shards, at most 10 at once
#SBATCH --cpus-per-task=4
#SBATCH --mem=1G
#SBATCH --time=01:00:00
#SBATCH --requeue                # a pre-empted task restarts and resumes its journal
#
# --resume keeps a journal only if it comes from this very plan (scenario after --set, axes,
# replications, seed, tracesim version, shard): resubmitted with changed settings, a task
# exits 2 and says what differs. Start over with a new --out (or delete its .runs.*.journal).
# --yes: no one is there to answer when a shard is over 100,000 runs or an hour's estimate;
# count it first with `tracesim plan ... --shard-count 20`.
set -euo pipefail
tracesim sweep "$HOME/scenarios/collector.toml" \
  --vary collector.queue_size_memory=5MiB..100MiB/5MiB \
  --vary collector.memory.limit=200MB,500MB,1GB \
  --replications 50 \
  --threads "${SLURM_CPUS_PER_TASK:-1}" \
  --resume --yes --quiet \
  --out "$HOME/results/queue-sweep"
