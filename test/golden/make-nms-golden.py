"""Generator of test/golden/nms-torchvision.json: what torchvision.ops.nms (CPU, float32 boxes,
as Ultralytics' non_max_suppression calls it, boxes shifted by class_id * 7680) keeps.

    apt-get install -y python3-torchvision
    /usr/bin/python3 test/golden/make-nms-golden.py > test/golden/nms-torchvision.json

Pair cases are chosen so that the float32 IoU torchvision computes and a float64 IoU (or one with
the intersection left unrounded) fall on different sides of the threshold; the threshold lies
between them. Only the boxes and torchvision's kept indices are recorded: the numpy variants
below merely find the cases, the expected values are torchvision's own output.
"""
import json, random
import numpy as np
import torch
import torchvision

MAX_WH = 7680
f32 = np.float32
rng = random.Random(20261201)


def tv_keep(boxes, classes, scores, iou):
    b = torch.tensor(boxes, dtype=torch.float32) + torch.tensor(classes, dtype=torch.float32)[:, None] * MAX_WH
    return torchvision.ops.nms(b, torch.tensor(scores, dtype=torch.float32), iou).tolist()


def variants(a, b):
    """IoU of b against a: float32 as torchvision, float64, and float32 with an unrounded intersection."""
    w32 = f32(min(a[2], b[2]) - max(a[0], b[0]))
    h32 = f32(min(a[3], b[3]) - max(a[1], b[1]))
    if w32 <= 0 or h32 <= 0:
        return None
    area_a = f32(f32(a[2] - a[0]) * f32(a[3] - a[1]))
    area_b = f32(f32(b[2] - b[0]) * f32(b[3] - b[1]))
    inter32 = f32(w32 * h32)
    iou32 = float(f32(inter32 / f32(f32(area_a + area_b) - inter32)))
    inter64 = float(w32) * float(h32)
    iou_unrounded = float(f32(inter64 / float(f32(area_a + area_b) - inter64)))
    aa, bb = [float(v) for v in a], [float(v) for v in b]
    w64 = min(aa[2], bb[2]) - max(aa[0], bb[0])
    h64 = min(aa[3], bb[3]) - max(aa[1], bb[1])
    i64 = w64 * h64
    iou64 = i64 / ((aa[2] - aa[0]) * (aa[3] - aa[1]) + (bb[2] - bb[0]) * (bb[3] - bb[1]) - i64)
    return iou32, iou64, iou_unrounded


def rand_box(scale):
    x, y = rng.uniform(0, 600), rng.uniform(0, 600)
    return [x, y, x + rng.uniform(1, scale), y + rng.uniform(1, scale)]


pairs = {'float64 IoU': [], 'unrounded intersection': []}
tries = 0
while min(len(v) for v in pairs.values()) < 12 and tries < 2_000_000:
    tries += 1
    cls = rng.randint(0, 79)
    a = rand_box(rng.choice([3, 40, 300]))
    # b overlaps a heavily so the IoU lands near common thresholds
    b = [v + rng.uniform(-2, 2) for v in a]
    off = f32(cls * MAX_WH)
    a32 = [f32(f32(v) + off) for v in a]
    b32 = [f32(f32(v) + off) for v in b]
    v = variants(a32, b32)
    if v is None:
        continue
    iou32, iou64, iou_unrounded = v
    for name, other in (('float64 IoU', iou64), ('unrounded intersection', iou_unrounded)):
        if other != iou32 and len(pairs[name]) < 12:
            t = (iou32 + other) / 2
            boxes = [[float(f32(x)) for x in a], [float(f32(x)) for x in b]]
            keep = tv_keep(boxes, [cls, cls], [0.9, 0.8], t)
            pairs[name].append({'boxes': boxes, 'classes': [cls, cls], 'scores': [0.9, 0.8], 'iou': t, 'keep': keep})

cases = []
for name, items in pairs.items():
    for c in items:
        cases.append({'name': f'{name}: threshold between the float32 IoU and the other', **c})

# Larger random sets: many overlapping boxes, several classes, thresholds Ultralytics uses.
for k, iou in enumerate([0.7, 0.45, 0.5, 0.6]):
    n = 150
    boxes, classes, scores = [], [], []
    for _ in range(n):
        x, y = rng.uniform(0, 300), rng.uniform(0, 300)
        w, h = rng.uniform(5, 80), rng.uniform(5, 80)
        boxes.append([float(f32(x)), float(f32(y)), float(f32(x + w)), float(f32(y + h))])
        classes.append(rng.randint(0, 3))
        scores.append(float(f32(rng.random())))  # distinct scores: torchvision's sort order is unambiguous
    cases.append({'name': f'random set {k} (iou {iou})', 'boxes': boxes, 'classes': classes, 'scores': scores, 'iou': iou,
                  'keep': tv_keep(boxes, classes, scores, iou)})

print(json.dumps({'generator': 'test/golden/make-nms-golden.py', 'torch': torch.__version__,
                  'torchvision': torchvision.__version__, 'cases': cases}))
