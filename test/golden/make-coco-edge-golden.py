"""Generator of test/golden/coco-eval-edges.json: pycocotools' COCOeval on the cases where an
evaluator is most easily wrong (area-range bounds, equal-IoU ties, IoU exactly at a threshold).

pycocotools is not a Debian package: build it from the cocodataset/cocoapi sources in a scratch
folder (never in this repository) with Debian's cython3 and numpy, then pass that folder:

    apt-get install -y cython3 python3-numpy
    cp -r <cocoapi>/PythonAPI <cocoapi>/common /tmp/cocoapi/
    (cd /tmp/cocoapi/PythonAPI && python3 setup.py build_ext --inplace)
    /usr/bin/python3 test/golden/make-coco-edge-golden.py /tmp/cocoapi/PythonAPI > test/golden/coco-eval-edges.json

Each scenario is a small COCO ground truth and detections; the golden holds the 12 bbox stats
and pycocotools' per-image matches (dtMatches/gtIgnore of every evalImg) so a test can name the
exact decision that differs.
"""
import contextlib, io, json, random, sys

sys.path.insert(0, sys.argv[1])
# pycocotools' coco.py imports matplotlib for showAnns only (not used here): stand-ins keep the
# generator free of a plotting dependency.
import types  # noqa: E402


class _Stub(types.ModuleType):
    def __getattr__(self, name):
        return None


for _name in ('matplotlib', 'matplotlib.pyplot', 'matplotlib.collections', 'matplotlib.patches'):
    sys.modules.setdefault(_name, _Stub(_name))
import numpy as np  # noqa: E402

# The cocoapi snapshot predates numpy 1.24, which removed the np.float alias it uses (== float).
if not hasattr(np, 'float'):
    np.float = float
from pycocotools.coco import COCO  # noqa: E402
from pycocotools.cocoeval import COCOeval  # noqa: E402


def gt_of(images, anns, cats):
    out = []
    for i, a in enumerate(anns):
        x, y, w, h = a['bbox']
        out.append({'id': i + 1, 'image_id': a['image_id'], 'category_id': a['category_id'], 'bbox': [x, y, w, h],
                    'area': a.get('area', w * h), 'iscrowd': a.get('iscrowd', 0)})
    return {'images': [{'id': i, 'width': 400, 'height': 400, 'file_name': f'{i}.jpg'} for i in images],
            'annotations': out, 'categories': [{'id': c, 'name': f'c{c}'} for c in cats]}


def evaluate(gt, dets):
    with contextlib.redirect_stdout(io.StringIO()):
        coco = COCO()
        coco.dataset = json.loads(json.dumps(gt))
        coco.createIndex()
        res = coco.loadRes(json.loads(json.dumps(dets))) if dets else COCO()
        ev = COCOeval(coco, res, 'bbox')
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    matches = []
    for e in ev.evalImgs:
        if e is None:
            continue
        matches.append({'image_id': int(e['image_id']), 'category_id': int(e['category_id']), 'aRng': [float(v) for v in e['aRng']],
                        'dtIds': [int(v) for v in e['dtIds']], 'gtIds': [int(v) for v in e['gtIds']], 'dtMatches': e['dtMatches'].tolist(),
                        'gtIgnore': [bool(v) for v in e['gtIgnore']]})
    return {'stats': [float(s) for s in ev.stats], 'matches': matches if len(matches) < 50 else None}


scenarios = []

# 1. Areas exactly on the small/medium/large bounds (32^2, 96^2): pycocotools' ranges are
#    inclusive at both ends, so such an object counts in two ranges.
anns, dets = [], []
for k, area in enumerate([1024, 9216, 1023, 1025, 9215, 9217, 0, 1e10]):
    x = 10 + 45 * k
    anns.append({'image_id': 1, 'category_id': 1, 'bbox': [x, 10, 40, 40], 'area': area})
    dets.append({'image_id': 1, 'category_id': 1, 'bbox': [x, 10, 40, 40], 'score': 0.9 - 0.05 * k})
dets.append({'image_id': 1, 'category_id': 1, 'bbox': [300, 300, 20, 20], 'score': 0.95})  # a false positive
scenarios.append({'name': 'area exactly on the range bounds', 'gt': gt_of([1], anns, [1]), 'dets': dets})

# 2. One detection at equal IoU with two ground truths: the later one wins (">=" in the scan),
#    which frees the first for a second detection.
anns = [{'image_id': 1, 'category_id': 1, 'bbox': [0, 0, 20, 10]}, {'image_id': 1, 'category_id': 1, 'bbox': [10, 0, 20, 10]}]
dets = [{'image_id': 1, 'category_id': 1, 'bbox': [5, 0, 20, 10], 'score': 0.9},
        {'image_id': 1, 'category_id': 1, 'bbox': [0, 0, 16, 10], 'score': 0.8}]
scenarios.append({'name': 'equal-IoU tie goes to the later ground truth', 'gt': gt_of([1], anns, [1]), 'dets': dets})

# 3. IoU exactly 0.5 and exactly 0.75 (matched: the scan skips only IoU < threshold).
anns = [{'image_id': 1, 'category_id': 1, 'bbox': [0, 0, 20, 10]}, {'image_id': 1, 'category_id': 1, 'bbox': [100, 100, 10, 10]}]
dets = [{'image_id': 1, 'category_id': 1, 'bbox': [0, 0, 10, 10], 'score': 0.9},
        {'image_id': 1, 'category_id': 1, 'bbox': [100, 100, 10, 7.5], 'score': 0.8}]
scenarios.append({'name': 'IoU exactly at a threshold matches', 'gt': gt_of([1], anns, [1]), 'dets': dets})

# 4. A tie between a counted and an ignored (out of range / crowd) ground truth.
anns = [{'image_id': 1, 'category_id': 1, 'bbox': [0, 0, 20, 10], 'area': 5000},
        {'image_id': 1, 'category_id': 1, 'bbox': [10, 0, 20, 10], 'area': 200},
        {'image_id': 2, 'category_id': 1, 'bbox': [0, 0, 20, 10]},
        {'image_id': 2, 'category_id': 1, 'bbox': [10, 0, 20, 10], 'iscrowd': 1}]
dets = [{'image_id': i, 'category_id': 1, 'bbox': [5, 0, 20, 10], 'score': 0.9} for i in (1, 2)]
dets += [{'image_id': i, 'category_id': 1, 'bbox': [0, 0, 16, 10], 'score': 0.7} for i in (1, 2)]
scenarios.append({'name': 'tie between a counted and an ignored ground truth', 'gt': gt_of([1, 2], anns, [1]), 'dets': dets})

# 5. Random boxes on a coarse integer grid (many exact IoU ties and threshold hits), areas drawn
#    from the range bounds half of the time.
rng = random.Random(20261201)
anns, dets, images = [], [], list(range(1, 31))
for img in images:
    for _ in range(rng.randint(0, 6)):
        x, y = 4 * rng.randint(0, 20), 4 * rng.randint(0, 20)
        w, h = 4 * rng.randint(1, 8), 4 * rng.randint(1, 8)
        a = {'image_id': img, 'category_id': rng.choice([1, 2]), 'bbox': [x, y, w, h], 'iscrowd': int(rng.random() < 0.08)}
        if rng.random() < 0.5:
            a['area'] = rng.choice([1024, 9216, 1024.0, 32 * 32 - 0.5, 96 * 96 + 0.5])
        anns.append(a)
    own = [a for a in anns if a['image_id'] == img]
    for _ in range(rng.randint(0, 8)):
        x, y = 4 * rng.randint(0, 20), 4 * rng.randint(0, 20)
        w, h = 4 * rng.randint(1, 8), 4 * rng.randint(1, 8)
        if own and rng.random() < 0.7:  # near a ground truth, shifted by whole grid steps
            gx, gy, gw, gh = rng.choice(own)['bbox']
            x, y, w, h = gx + 4 * rng.randint(-1, 1), gy + 4 * rng.randint(-1, 1), max(4, gw + 4 * rng.randint(-1, 1)), gh
        dets.append({'image_id': img, 'category_id': rng.choice([1, 2]), 'bbox': [x, y, w, h], 'score': rng.choice([0.3, 0.5, 0.7, 0.9])})
scenarios.append({'name': 'random grid boxes with ties and bound areas', 'gt': gt_of(images, anns, [1, 2]), 'dets': dets})

for s in scenarios:
    s['expected'] = evaluate(s['gt'], s['dets'])
print(json.dumps({'generator': 'test/golden/make-coco-edge-golden.py', 'numpy': np.__version__, 'scenarios': scenarios}))
