"""Dev-time generator of test/golden/coco-eval-golden.json (pycocotools 2.0.11, numpy 2.4).

    python3 -m venv /tmp/cocovenv && /tmp/cocovenv/bin/pip install pycocotools
    /tmp/cocovenv/bin/python test/golden/make-coco-golden.py > test/golden/coco-eval-golden.json

A random but seeded scenario (polygons, multi-polygon objects, crowd RLE regions, score ties,
a category without ground truth, objects in every area range) plus random polygons with edge
cases for the rasteriser. Not run by the tests: its output is.
"""
import contextlib, copy, io, json, math, random
import numpy as np
from pycocotools import mask as mask_utils
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

rng = random.Random(20240517)

def rand_polygon(cx, cy, radius, n):
    angles = sorted(rng.uniform(0, 2 * math.pi) for _ in range(n))
    pts = []
    for a in angles:
        r = radius * rng.uniform(0.5, 1.0)
        pts += [round(cx + r * math.cos(a), 2), round(cy + r * math.sin(a), 2)]
    return pts

def poly_area(p):
    xs, ys = p[0::2], p[1::2]
    return abs(sum(xs[i] * ys[(i + 1) % len(xs)] - xs[(i + 1) % len(xs)] * ys[i] for i in range(len(xs)))) / 2

def bbox_of(polys):
    xs = [x for p in polys for x in p[0::2]]
    ys = [y for p in polys for y in p[1::2]]
    return [min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys)]

def compressed(polys, h, w):
    rle = mask_utils.merge(mask_utils.frPyObjects(polys, h, w))
    return {'size': [h, w], 'counts': rle['counts'].decode('ascii')}

def uncompressed_counts(mask):
    flat = mask.flatten(order='F')
    counts, current, run = [], 0, 0
    for v in flat:
        if v != current:
            counts.append(run); run = 0; current = v
        run += 1
    counts.append(run)
    return counts

images, annotations, dets = [], [], []
cat_ids = [1, 3, 7, 9]  # 9 never has ground truth
ann_id = 1
for img_id in sorted(rng.sample(range(1, 500), 24)):
    w, h = rng.randint(80, 320), rng.randint(80, 320)
    images.append({'id': img_id, 'width': w, 'height': h, 'file_name': f'{img_id:012d}.jpg'})
    for _ in range(rng.randint(0, 9)):
        cat = rng.choice(cat_ids[:3])
        radius = rng.choice([4, 8, 15, 30, 60, 90])
        cx, cy = rng.uniform(0, w), rng.uniform(0, h)
        if rng.random() < 0.12:
            # crowd region as uncompressed RLE
            m = np.zeros((h, w), dtype=np.uint8)
            x0, y0 = int(max(0, cx - radius)), int(max(0, cy - radius))
            m[y0:int(min(h, cy + radius)), x0:int(min(w, cx + radius))] = 1
            rle = mask_utils.encode(np.asfortranarray(m))
            seg = {'size': [h, w], 'counts': uncompressed_counts(m)}
            annotations.append({'id': ann_id, 'image_id': img_id, 'category_id': cat, 'iscrowd': 1,
                                'bbox': [float(v) for v in mask_utils.toBbox(rle)], 'area': float(mask_utils.area(rle)), 'segmentation': seg})
            ann_id += 1
            continue
        polys = [rand_polygon(cx, cy, radius, rng.randint(3, 9))]
        if rng.random() < 0.2:
            polys.append(rand_polygon(cx + radius, cy, radius / 2, rng.randint(3, 6)))
        annotations.append({'id': ann_id, 'image_id': img_id, 'category_id': cat, 'iscrowd': 0,
                            'bbox': bbox_of(polys), 'area': sum(poly_area(p) for p in polys), 'segmentation': polys})
        ann_id += 1
        # detections near this object
        for _ in range(rng.choice([0, 1, 1, 1, 2])):
            jitter = radius * rng.choice([0.05, 0.2, 0.5])
            dpolys = [[round(v + rng.uniform(-jitter, jitter), 2) for v in p] for p in polys]
            dcat = cat if rng.random() < 0.85 else rng.choice(cat_ids)
            dets.append({'image_id': img_id, 'category_id': dcat, 'score': round(rng.random(), 2),
                         'bbox': [round(v, 2) for v in bbox_of(dpolys)], 'segmentation': compressed(dpolys, h, w)})
    # false positives, some in the category without ground truth
    for _ in range(rng.randint(0, 4)):
        radius = rng.choice([5, 12, 40])
        p = rand_polygon(rng.uniform(0, w), rng.uniform(0, h), radius, 5)
        dets.append({'image_id': img_id, 'category_id': rng.choice(cat_ids), 'score': round(rng.random(), 2),
                     'bbox': [round(v, 2) for v in bbox_of([p])], 'segmentation': compressed([p], h, w)})
rng.shuffle(dets)

gt = {'images': images, 'annotations': annotations, 'categories': [{'id': c, 'name': f'c{c}'} for c in cat_ids]}

def run_eval(dets_in, iou_type):
    coco = COCO()
    coco.dataset = copy.deepcopy(gt)
    with contextlib.redirect_stdout(io.StringIO()):
        coco.createIndex()
        dt = coco.loadRes(copy.deepcopy(dets_in))
        ev = COCOeval(coco, dt, iou_type)
        ev.evaluate(); ev.accumulate()
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        ev.summarize()
    return [float(s) for s in ev.stats], out.getvalue().rstrip('\n')

bbox_stats, bbox_table = run_eval(dets, 'bbox')
segm_stats, segm_table = run_eval(dets, 'segm')
mask_only = [{k: v for k, v in d.items() if k != 'bbox'} for d in dets]
segm_mask_area_stats, _ = run_eval(mask_only, 'segm')
box_only = [{k: v for k, v in d.items() if k != 'segmentation'} for d in dets]
segm_box_only_stats, _ = run_eval(box_only, 'segm')

# rasteriser cases: random polygons plus edge cases
polygons = []
def add_poly(poly, h, w):
    rle = mask_utils.frPyObjects([poly], h, w)[0]
    polygons.append({'polygon': poly, 'height': h, 'width': w, 'counts': rle['counts'].decode('ascii'),
                     'area': int(mask_utils.area(rle)), 'bbox': [float(v) for v in mask_utils.toBbox(rle)]})
for _ in range(40):
    h, w = rng.randint(20, 120), rng.randint(20, 120)
    add_poly(rand_polygon(rng.uniform(-10, w + 10), rng.uniform(-10, h + 10), rng.uniform(1, 50), rng.randint(3, 12)), h, w)
add_poly([10.0, 10.0, 30.0, 10.0, 30.0, 30.0, 10.0, 30.0], 40, 40)          # pixel-aligned square
add_poly([10.5, 10.5, 29.5, 10.5, 29.5, 29.5, 10.5, 29.5], 40, 40)          # half-pixel square
add_poly([5.0, 5.0, 5.0, 5.0, 20.0, 5.0, 20.04, 5.01, 20.0, 25.0], 30, 30)  # repeated / near-repeated points
add_poly([-5.0, -5.0, 50.0, -3.0, 45.0, 60.0, -8.0, 40.0], 32, 36)          # beyond every border
add_poly([3.3, 3.3, 3.7, 3.3, 3.5, 3.8], 10, 10)                            # sub-pixel triangle
add_poly([0.0, 0.0, 9.0, 0.0, 9.0, 9.0, 0.0, 9.0], 10, 10)                  # the full image
add_poly([2.0, 1.0, 8.0, 5.0, 2.0, 9.0, 5.0, 5.0], 12, 12)                  # concave
add_poly([1.0, 1.0, 10.0, 10.0, 10.0, 1.0, 1.0, 10.0], 12, 12)              # self-intersecting bow tie

vals = np.random.default_rng(5).random(1000)
json.dump({'generator': 'test/golden/make-coco-golden.py (pycocotools 2.0.11, numpy ' + np.__version__ + ')',
           'gt': gt, 'dets': dets,
           'expected': {'bbox': bbox_stats, 'bboxTable': bbox_table, 'segm': segm_stats, 'segmTable': segm_table,
                        'segmMaskArea': segm_mask_area_stats, 'segmBoxOnly': segm_box_only_stats},
           'polygons': polygons}, __import__('sys').stdout, separators=(',', ':'))
