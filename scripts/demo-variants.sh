#!/usr/bin/env bash
# The demo's variants x seeds table: trains conf/shapes-demo.json once per variant and seed, one
# run after the other, evaluates on a larger val split, and prints a Markdown table of val AP50 / AP
# (and precision / recall at score >= 0.5, the pictures' detections) and wall time per run (what
# the README's demo table needs).
#
#   scripts/demo-variants.sh [--seeds 42,43,44] [--variants base,topk,hybrid,varifocal,lft,cdn,all]
#                            [--val 500] [--jar target/jdetr.jar] [--out runs/demo-variants]
#                            [--set key=value]...
#
# Variants (each the demo recipe plus --set overrides):
#   base       conf/shapes-demo.json as it is
#   topk       without distinct queries: model.deformable.distinct_query_iou=0 (plain top-k)
#   hybrid     + model.deformable.one_to_many {"queries": 60, "k": 6, "weight": 1}
#   varifocal  + loss.class_loss=varifocal, cls_loss_coef=1
#   lft        + model.deformable.look_forward_twice=true
#   cdn        + model.deformable.denoising.contrastive=true
#   all        hybrid, varifocal and lft: the settings of conf/shapes-demo-dino.json
# Scenes depend only on (seed, split, index), so the train split is the demo's and the first 50
# val images are the demo's val split; the larger split goes to its own data root.
# Extra --set options (e.g. --set epochs=1 --set max_steps_per_epoch=5 for a dry run) go to
# every run.
set -euo pipefail

seeds=42,43,44
variants=base,hybrid,varifocal,lft,all
val=500
jar=target/jdetr.jar
out=runs/demo-variants
extra=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --seeds) seeds=$2; shift 2 ;;
    --variants) variants=$2; shift 2 ;;
    --val) val=$2; shift 2 ;;
    --jar) jar=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --set) extra+=(--set "$2"); shift 2 ;;
    *) echo "demo-variants: unknown option $1" >&2; exit 2 ;;
  esac
done

hybrid=(--set model.deformable.one_to_many.queries=60 --set model.deformable.one_to_many.k=6
        --set model.deformable.one_to_many.weight=1.0)
varifocal=(--set loss.class_loss=varifocal --set cls_loss_coef=1)
lft=(--set model.deformable.look_forward_twice=true)
cdn=(--set model.deformable.denoising.contrastive=true)
topk=(--set model.deformable.distinct_query_iou=0)

switches() {
  case "$1" in
    base) ;;
    topk) printf '%s\n' "${topk[@]}" ;;
    hybrid) printf '%s\n' "${hybrid[@]}" ;;
    varifocal) printf '%s\n' "${varifocal[@]}" ;;
    lft) printf '%s\n' "${lft[@]}" ;;
    cdn) printf '%s\n' "${cdn[@]}" ;;
    all) printf '%s\n' "${hybrid[@]}" "${varifocal[@]}" "${lft[@]}" ;;
    *) echo "demo-variants: unknown variant '$1' (base, topk, hybrid, varifocal, lft, cdn, all)" >&2
       exit 2 ;;
  esac
}

# AP50, AP, precision and recall at score >= 0.5 of the last evaluated epoch of a run's log.jsonl
last_ap() {
  /usr/bin/python3 - "$1" <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
last = [l for l in lines if l.get("test_coco_eval_bbox")]
if not last:
    print("- - - -")
else:
    l = last[-1]
    fmt = lambda k: "%.3f" % l[k] if k in l else "-"
    print("%.3f %.3f %s %s" % (l["test_coco_eval_bbox"][1], l["test_coco_eval_bbox"][0],
                               fmt("test_precision"), fmt("test_recall")))
PY
}

IFS=, read -r -a variant_list <<< "$variants"
IFS=, read -r -a seed_list <<< "$seeds"
for v in "${variant_list[@]}"; do
  switches "$v" > /dev/null # an unknown variant stops here, before any run
done
mkdir -p "$out"
echo "| variant | seed | val AP50 | val AP | precision / recall at 0.5 | wall time (s) |"
echo "|---|---|---|---|---|---|"
for v in "${variant_list[@]}"; do
  mapfile -t sets < <(switches "$v")
  for s in "${seed_list[@]}"; do
    dir="$out/$v-seed$s"
    rm -rf "$dir"
    start=$(date +%s)
    java -jar "$jar" train conf/shapes-demo.json "${sets[@]}" --set seed="$s" \
      --set data.root="data/shapes-val$val" --set data.synth.val="$val" \
      --set output_dir="$dir" "${extra[@]}" > "$dir.log" 2>&1 \
      || { echo "| $v | $s | failed, see $dir.log | | | |"; continue; }
    wall=$(( $(date +%s) - start ))
    read -r ap50 ap precision recall < <(last_ap "$dir/log.jsonl")
    echo "| $v | $s | $ap50 | $ap | $precision / $recall | $wall |"
  done
done
