#!/usr/bin/env bash
# Every benchmark on one GPU machine, plus one paper-preset run: sized for under 8 minutes on
# one H100. Run from the repository root:  bash benchmarks/bench_gpu.sh
# Writes benchmarks/results/*_gpu.json (the CPU figures' files are left alone) and
# results/gpu/paper-circle/results.json; prints each script's table and its headline line.
set -euo pipefail
cd "$(dirname "$0")/.."
export PYTHONPATH="${PYTHONPATH:-}:$(pwd)"
python -c "import torch; assert torch.cuda.is_available(), 'bench_gpu.sh needs a CUDA GPU'; print('device:', torch.cuda.get_device_name())"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true

R=benchmarks/results
echo "== tasks";   python benchmarks/bench_tasks.py --quick --json $R/bench_tasks_gpu.json
echo "== train";   python benchmarks/bench_train.py --paper-batch "${PAPER_BATCH:-256}" --json $R/bench_train_gpu.json
echo "== sample";  python benchmarks/bench_sample.py --preset cpu --json $R/bench_sample_gpu.json
python benchmarks/bench_sample.py --preset paper --json $R/bench_sample_paper_gpu.json

# One paper-preset circle run: the study's circle task and a GPT-2-small-shaped backbone in
# bf16 with torch.compile. STEPS x batch sets the training time (target: validity >= 0.9 in
# under 5 minutes of training).
STEPS="${STEPS:-6000}"
BATCH="${BATCH:-256}"
echo "== paper circle run ($STEPS steps, batch $BATCH)"
python -m creativity_bench.cli run circle --objective ntp --preset paper --seed 0 --steps "$STEPS" \
  --batch-size "$BATCH" --train-set eval_every=1000 --train-set eval_subset=512 \
  --out results/gpu/paper-circle --overwrite --quiet
python - <<'PY'
import json
doc = json.load(open("results/gpu/paper-circle/results.json"))
t, m = doc["training"], doc["metrics"]
print(f"paper circle: {t['steps']} steps in {t['wall_time_s']:.0f} s of training ({t['tokens_per_s']:,.0f} tokens/s, {t['device']}, {t['dtype']}); "
      f"validity {m['validity']:.3f}, creativity {m['creativity']:.3f}, memorization {m['memorization']:.3f}")
print(f"paper_circle_validity={m['validity']:.3f}")
PY
