"""Parity fixtures for jdetr's SetCriterion and PostProcess.

Runs the reference DETR / Deformable DETR matcher, SetCriterion and PostProcess (imported at run
time from /work/ref, built with the reference's default arguments) on random model outputs with
auxiliary decoder layers, and writes what they compute to JSON files next to this script:

  detr_ce.json        DETR, softmax cross entropy, targets with 0..Q boxes
  detr_ce_empty.json  DETR, a batch without any target box (num_boxes clamps to 1)
  ddetr_focal.json    Deformable DETR, sigmoid focal loss, top-100 PostProcess

Usage (each reference runs in its own interpreter, because both name their packages `models`):
  /usr/bin/python3 generate_criterion.py
"""
import argparse
import json
import os
import subprocess
import sys
import types

HERE = os.path.dirname(os.path.abspath(__file__))
REF = {'detr': '/work/ref/detr', 'ddetr': '/work/ref/ddetr'}
NUM_LAYERS = 6


def flat(t):
    """Row-major list of the float32/int values of a tensor."""
    return t.detach().reshape(-1).tolist()


def import_reference(variant):
    sys.path.insert(0, REF[variant])
    sys.path.insert(1, '/work/ref/cocoapi/PythonAPI')
    if variant == 'ddetr':
        # compiled CUDA extension: never called by the criterion, only imported
        sys.modules['MultiScaleDeformableAttention'] = types.ModuleType('MultiScaleDeformableAttention')
        # imported by its dataset module (progress bars of the image cache), unused here
        sys.modules.setdefault('tqdm', types.ModuleType('tqdm'))
        import torchvision
        torchvision.__version__ = '1.0'  # its util/misc.py parses version[:3] as a float
    import main as ref_main
    import models.matcher as ref_matcher
    if variant == 'detr':
        import models.detr as ref_model
    else:
        import models.deformable_detr as ref_model
    args = ref_main.get_args_parser().parse_args([])
    return args, ref_matcher, ref_model


class RecordingMatcher:
    """Wraps the reference matcher and keeps every matching it returns, in call order."""

    def __init__(self, matcher):
        self.matcher = matcher
        self.calls = []

    def __call__(self, outputs, targets):
        indices = self.matcher(outputs, targets)
        self.calls.append([[flat(i), flat(j)] for i, j in indices])
        return indices


def random_targets(torch, gen, counts, num_classes):
    targets = []
    for t in counts:
        labels = torch.randint(0, num_classes, (t,), generator=gen)
        cxcy = torch.rand(t, 2, generator=gen) * 0.6 + 0.2
        wh = torch.rand(t, 2, generator=gen) * 0.35 + 0.05
        targets.append({'labels': labels, 'boxes': torch.cat([cxcy, wh], 1)})
    return targets


def run_case(variant, name, seed, batch, queries, num_classes, counts):
    import torch
    args, ref_matcher, ref_model = import_reference(variant)
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    focal = variant == 'ddetr'
    logit_dim = num_classes if focal else num_classes + 1

    # per-layer outputs, index NUM_LAYERS-1 = last decoder layer
    # focal heads start from a negative bias (Deformable DETR's prior), softmax heads around 0
    scale, shift = (1.5, -1.5) if focal else (2.0, 0.0)
    logits = [(torch.randn(batch, queries, logit_dim, generator=gen) * scale + shift).requires_grad_()
              for _ in range(NUM_LAYERS)]
    boxes = []
    for _ in range(NUM_LAYERS):
        raw = torch.randn(batch, queries, 4, generator=gen)
        raw[..., 2:] -= 1.0
        boxes.append(raw.sigmoid().detach().requires_grad_())
    targets = random_targets(torch, gen, counts, num_classes)
    sizes = torch.stack([torch.randint(200, 900, (batch,), generator=gen),
                         torch.randint(200, 900, (batch,), generator=gen)], 1)  # [B, 2] (h, w)

    # weight dict exactly as the reference build() makes it from its default arguments
    weight_dict = {'loss_ce': args.cls_loss_coef if focal else 1, 'loss_bbox': args.bbox_loss_coef,
                   'loss_giou': args.giou_loss_coef}
    aux = {}
    for i in range(args.dec_layers - 1):
        aux.update({k + f'_{i}': v for k, v in weight_dict.items()})
    if focal:
        aux.update({k + '_enc': v for k, v in weight_dict.items()})
    weight_dict.update(aux)

    matcher = RecordingMatcher(ref_matcher.build_matcher(args))
    losses_list = ['labels', 'boxes', 'cardinality']
    if focal:
        criterion = ref_model.SetCriterion(num_classes, matcher, weight_dict, losses_list,
                                           focal_alpha=args.focal_alpha)
    else:
        criterion = ref_model.SetCriterion(num_classes, matcher, weight_dict, args.eos_coef, losses_list)

    outputs = {'pred_logits': logits[-1], 'pred_boxes': boxes[-1],
               'aux_outputs': [{'pred_logits': a, 'pred_boxes': b}
                               for a, b in zip(logits[:-1], boxes[:-1])]}
    losses = criterion(outputs, targets)
    total = sum(losses[k] * weight_dict[k] for k in losses.keys() if k in weight_dict)
    total.backward()

    # the criterion matches the last layer first, then the aux layers 0..4
    calls = matcher.calls
    matchings = calls[1:] + calls[:1]

    post = ref_model.PostProcess()
    with torch.no_grad():
        results = post({'pred_logits': logits[-1], 'pred_boxes': boxes[-1]}, sizes)

    case = {
        'reference': variant, 'classLoss': 'SIGMOID_FOCAL' if focal else 'SOFTMAX_CE',
        'seed': seed, 'batch': batch, 'queries': queries, 'numClasses': num_classes,
        'layers': NUM_LAYERS,
        'weightDict': weight_dict,
        'targets': [{'labels': flat(t['labels']), 'boxes': flat(t['boxes'])} for t in targets],
        'origSizes': sizes.tolist(),
        'logits': [flat(x) for x in logits],
        'boxes': [flat(x) for x in boxes],
        'matchings': [[{'queryIdx': q, 'targetIdx': t} for q, t in layer] for layer in matchings],
        'losses': {k: float(v) for k, v in losses.items()},
        'total': float(total),
        'gradLogits': [flat(x.grad) for x in logits],
        'gradBoxes': [flat(x.grad) for x in boxes],
        'postProcess': [{'scores': flat(r['scores']), 'labels': flat(r['labels']),
                         'boxes': flat(r['boxes'])} for r in results],
    }
    path = os.path.join(HERE, name + '.json')
    tmp = path + '.tmp'
    with open(tmp, 'w') as f:
        json.dump(case, f, separators=(',', ':'))
    os.replace(tmp, path)
    print(f'{name}: total={float(total):.6f} terms={len(losses)} -> {path}')


CASES = {
    'detr_ce': dict(variant='detr', seed=1234, batch=4, queries=20, num_classes=7, counts=[3, 0, 8, 20]),
    'detr_ce_empty': dict(variant='detr', seed=99, batch=2, queries=10, num_classes=5, counts=[0, 0]),
    'ddetr_focal': dict(variant='ddetr', seed=4321, batch=3, queries=20, num_classes=6, counts=[5, 0, 12]),
}


if __name__ == '__main__':
    p = argparse.ArgumentParser()
    p.add_argument('--case', choices=sorted(CASES))
    a = p.parse_args()
    if a.case:
        run_case(name=a.case, **CASES[a.case])
    else:
        for name in CASES:
            subprocess.run([sys.executable, os.path.abspath(__file__), '--case', name], check=True)
