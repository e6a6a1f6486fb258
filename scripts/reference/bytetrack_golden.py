#!/usr/bin/env python3
"""Golden sequences for yoloe-trt's trackers: Ultralytics' own BYTETracker (and BOTSORT without GMC/ReID) fed detections we construct.

The tracker is Ultralytics' code itself, loaded at run time from a checkout of the THU-MIG/yoloe fork
(Ultralytics 8.3.39): ultralytics/trackers/{basetrack,byte_tracker,bot_sort}.py and trackers/utils/{kalman_filter,
matching,gmc}.py are executed unchanged. Nothing of it is copied here. Two seams are filled so that the
modules import without PyTorch (not installed for this):
  - ultralytics.utils.ops.xywh2ltwh and ultralytics.utils.metrics.bbox_ioa are the fork's own function
    sources, cut out of ops.py / metrics.py with `ast` and executed with numpy (the rest of those files
    needs torch and matplotlib);
  - `lap` (not packaged by Debian): that version's matching.py has no scipy fallback on its default path
    (it calls lap.lapjv(cost, extend_cost=True, cost_limit=thresh) and pip-installs lapx when lap is
    missing). The stand-in below does what lap.lapjv does with a finite cost_limit: it solves the
    (n+m)x(n+m) extended matrix (cost in the top-left block, cost_limit/2 elsewhere, 0 in the bottom-right
    block) exactly, with scipy.optimize.linear_sum_assignment, and reports rows/columns matched into the
    padding as unmatched (-1). The optimum is the same as lapjv's; where several optima tie, scipy's
    choice is the one recorded (lapjv's own may differ).
The driver mirrors ultralytics/trackers/track.py: one tracker per sequence, frame_rate=30, update() skipped
on frames without detections, results as BYTETracker.update returns them.

Usage: /usr/bin/python3 scripts/reference/bytetrack_golden.py /path/to/yoloe-checkout test/golden/bytetrack.json
(needs Debian's python3-numpy and python3-scipy).
"""
import ast
import importlib.util
import json
import sys
import types
from types import SimpleNamespace

import numpy as np
import scipy.optimize

FORK = sys.argv[1]
OUT = sys.argv[2]


def function_from(path, name, namespace):
    """Executes one top-level function definition of a fork file in `namespace` and returns it."""
    tree = ast.parse(open(path).read())
    node = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == name)
    exec(compile(ast.Module(body=[node], type_ignores=[]), path, 'exec'), namespace)
    return namespace[name]


def module(name, **attrs):
    mod = types.ModuleType(name)
    mod.__path__ = []
    mod.__dict__.update(attrs)
    sys.modules[name] = mod
    return mod


def load(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


def lapjv(cost, extend_cost=False, cost_limit=np.inf, return_cost=True):
    cost = np.asarray(cost, dtype=np.double)
    n_rows, n_cols = cost.shape
    assert np.isfinite(cost_limit), 'the stand-in covers the finite cost_limit case BYTETracker uses'
    n = n_rows + n_cols
    ext = np.full((n, n), cost_limit / 2.0)
    ext[n_rows:, n_cols:] = 0
    ext[:n_rows, :n_cols] = cost
    rows, cols = scipy.optimize.linear_sum_assignment(ext)
    x = np.full(n_rows, -1, dtype=np.int64)
    y = np.full(n_cols, -1, dtype=np.int64)
    for r, c in zip(rows, cols):
        if r < n_rows and c < n_cols:
            x[r], y[c] = c, r
    return float(ext[rows, cols].sum()), x, y


class FakeTorch:
    class Tensor:  # xywh2ltwh checks isinstance(x, torch.Tensor)
        pass


np_ns = {'np': np, 'torch': FakeTorch}
module('ultralytics')
module('ultralytics.utils', LOGGER=SimpleNamespace(warning=print, info=print))
module('ultralytics.utils.ops', xywh2ltwh=function_from(f'{FORK}/ultralytics/utils/ops.py', 'xywh2ltwh', np_ns),
       xyxy2xywh=function_from(f'{FORK}/ultralytics/utils/ops.py', 'xyxy2xywh', np_ns))
module('ultralytics.utils.metrics', bbox_ioa=function_from(f'{FORK}/ultralytics/utils/metrics.py', 'bbox_ioa', np_ns),
       batch_probiou=None)
module('lap', lapjv=lapjv, __version__='scipy-stand-in')
module('ultralytics.trackers')
module('ultralytics.trackers.utils')
load('ultralytics.trackers.utils.kalman_filter', f'{FORK}/ultralytics/trackers/utils/kalman_filter.py')
load('ultralytics.trackers.utils.matching', f'{FORK}/ultralytics/trackers/utils/matching.py')
load('ultralytics.trackers.basetrack', f'{FORK}/ultralytics/trackers/basetrack.py')
byte_tracker = load('ultralytics.trackers.byte_tracker', f'{FORK}/ultralytics/trackers/byte_tracker.py')
load('ultralytics.trackers.utils.gmc', f'{FORK}/ultralytics/trackers/utils/gmc.py')  # imported by bot_sort (cv2); never applied here
bot_sort = load('ultralytics.trackers.bot_sort', f'{FORK}/ultralytics/trackers/bot_sort.py')
xyxy2xywh = sys.modules['ultralytics.utils.ops'].xyxy2xywh

DEFAULTS = dict(tracker_type='bytetrack', track_high_thresh=0.25, track_low_thresh=0.1, new_track_thresh=0.25,
                track_buffer=30, match_thresh=0.8, fuse_score=True)


class Dets:
    """What track.py hands BYTETracker.update: Boxes(...).cpu().numpy() with float32 conf/xywh/cls."""

    def __init__(self, rows):
        a = np.asarray(rows, dtype=np.float32).reshape(-1, 6)
        self.xyxy = a[:, :4]
        self.conf = a[:, 4]
        self.cls = a[:, 5]
        self.xywh = xyxy2xywh(self.xyxy)

    def __len__(self):
        return len(self.conf)


BOTSORT_EXTRA = dict(tracker_type='botsort', gmc_method='sparseOptFlow', proximity_thresh=0.5, appearance_thresh=0.25, with_reid=False)


def run(name, frames, botsort=False, **overrides):
    args = SimpleNamespace(**{**DEFAULTS, **(BOTSORT_EXTRA if botsort else {}), **overrides})
    # botsort-lite: BOTSORT.update(results) without an image, so GMC is never applied (and no ReID)
    tracker = (bot_sort.BOTSORT if botsort else byte_tracker.BYTETracker)(args, frame_rate=30)
    out = []
    for rows in frames:
        dets = Dets(rows)
        tracks = tracker.update(dets) if len(dets) else np.zeros((0, 8), np.float32)
        out.append({'dets': [[float(v) for v in r] for r in np.asarray(rows, np.float32).reshape(-1, 6)],
                    'tracks': [[float(v) for v in r] for r in tracks]})
    return {'name': name, 'tracker': 'botsort-lite' if botsort else 'bytetrack', 'options': overrides, 'frames': out}


rng = np.random.default_rng(20261201)


def box(cx, cy, w, h):
    return [cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2]


def smooth():
    frames = []
    for t in range(60):
        frames.append([
            box(100 + 4 * t, 200 + 1.5 * t, 60 + 0.3 * t, 120) + [0.9, 0],
            box(600 - 3 * t, 150, 80, 80 - 0.2 * t) + [0.8 - 0.002 * t, 2],
            box(300, 500 - 2 * t + rng.normal(0, 1.5), 40 + rng.normal(0, 1), 90) + [0.55, 0],
        ])
    return frames


def crossing():
    # two same-class objects cross horizontally at the same height, then a third passes diagonally
    frames = []
    for t in range(50):
        f = [box(100 + 10 * t, 300, 60, 120) + [0.85, 0], box(600 - 10 * t, 305, 62, 118) + [0.8, 0]]
        if 10 <= t < 40:
            f.append(box(150 + 12 * (t - 10), 100 + 12 * (t - 10), 50, 50) + [0.7, 1])
        frames.append(f)
    return frames


def occlusion():
    # A hides for 10 frames (re-found under its old id), B for 35 frames (past track_buffer 30: new id),
    # C for 31 frames (exactly at the edge of max_time_lost)
    frames = []
    for t in range(100):
        f = []
        if not 20 <= t < 30:
            f.append(box(100 + 3 * t, 200, 50, 100) + [0.9, 0])
        if not 15 <= t < 50:
            f.append(box(500, 100 + 2 * t, 70, 70) + [0.75, 3])
        if not 40 <= t < 71:
            f.append(box(800 - 2 * t, 600, 90, 60) + [0.6, 5])
        frames.append(f)
    return frames


def low_scores():
    # scores dip into (0.1, 0.25): kept by the second association, never birth a track; 0.1 exactly is dropped
    frames = []
    for t in range(60):
        s = 0.9 if t < 10 else (0.18 if t < 25 else (0.1 if t < 30 else 0.6))
        f = [box(200 + 5 * t, 300, 60, 120) + [s, 0]]
        f.append(box(700, 300 + 3 * t, 50, 50) + [0.2 if t % 7 else 0.3, 1])  # mostly low: born on t%7==0
        f.append(box(400, 700, 30, 30) + [0.25 if t % 2 else 0.24, 2])  # 0.25 exactly is high
        frames.append(f)
    return frames


def births_deaths():
    # one-frame flickers (unconfirmed, removed), staggered births, deaths, and empty frames in between
    frames = []
    for t in range(90):
        f = []
        for k in range(5):
            start, end = 10 * k, 10 * k + 40
            if start <= t < end:
                f.append(box(100 + 150 * k, 100 + 4 * (t - start), 60, 80) + [0.5 + 0.08 * k, k % 3])
        if t % 9 == 4:
            f.append(box(900, 50 + 7 * t, 40, 40) + [0.4, 7])
        if t in (60, 61, 62, 75):
            f = []
        frames.append(f)
    return frames


def ties():
    # equal scores and mirror-symmetric boxes: equal costs in the assignment; duplicates of one box
    frames = []
    for t in range(30):
        f = [box(300 + 2 * t, 300, 80, 80) + [0.7, 0], box(500 - 2 * t, 300, 80, 80) + [0.7, 0]]
        if t >= 5:
            f.append(box(400, 600 + t, 60, 60) + [0.6, 1])
            f.append(box(400, 600 + t, 60, 60) + [0.6, 1])  # exact duplicate
        if t in (10, 11, 12):
            f.append(box(400, 300, 80, 80) + [0.7, 0])  # equidistant from the two moving boxes
        frames.append(f)
    return frames


def duplicates():
    # a box detected twice (two tracks on one object); the copy vanishes, so one track is lost right on top
    # of the other: remove_duplicate_stracks drops the younger of the pair
    frames = []
    for t in range(40):
        f = [box(300 + 2 * t, 300, 80, 160) + [0.9, 0]]
        if t < 12 or t >= 30:
            f.append(box(301 + 2 * t, 301, 80, 160) + [0.85, 0])
        f.append(box(700 + t, 200, 60, 60) + [0.8, 1])
        if 3 <= t < 25:
            f.append(box(702 + t, 201, 60, 61) + [0.82, 1])
        frames.append(f)
    return frames


def crowd(n=14, steps=150):
    pos = rng.uniform([50, 50], [1800, 1000], size=(n, 2))
    vel = rng.normal(0, 4, size=(n, 2))
    size = rng.uniform([30, 40], [120, 200], size=(n, 2))
    score = rng.uniform(0.3, 0.95, size=n)
    cls = rng.integers(0, 3, size=n)
    frames = []
    for _ in range(steps):
        vel += rng.normal(0, 0.5, size=(n, 2))
        pos += vel
        pos = np.clip(pos, 0, [1920, 1080])
        f = []
        for i in range(n):
            if rng.random() < 0.08:
                continue  # missed detection
            jitter = rng.normal(0, 1.0, size=4)
            s = float(np.clip(score[i] + rng.normal(0, 0.15), 0.05, 0.99))
            f.append([*(np.array(box(*pos[i], *size[i])) + jitter), s, int(cls[i])])
        rng.shuffle(f)
        frames.append(f)
    return frames


scenarios = [
    run('smooth', smooth()),
    run('crossing', crossing()),
    run('occlusion', occlusion()),
    run('low-scores', low_scores()),
    run('births-deaths', births_deaths()),
    run('ties', ties()),
    run('duplicates', duplicates()),
    run('crowd', crowd()),
    run('crowd-options', crowd(10, 80), track_buffer=10, match_thresh=0.6, fuse_score=False, track_high_thresh=0.4,
        new_track_thresh=0.5, track_low_thresh=0.2),
    run('botsort-lite occlusion', occlusion(), botsort=True),
    run('botsort-lite low-scores', low_scores(), botsort=True),
    run('botsort-lite crowd', crowd(), botsort=True),
]


def lsap_cases():
    """scipy.optimize.linear_sum_assignment itself on square matrices full of ties (small integer costs)."""
    cases = []
    for k in range(60):
        n = int(rng.integers(1, 9))
        m = rng.integers(0, 4, size=(n, n)).astype(float) if k % 2 else rng.random((n, n)).round(1)
        rows, cols = scipy.optimize.linear_sum_assignment(m)
        cases.append({'cost': m.tolist(), 'cols': [int(c) for c in cols]})
    return cases


fork_commit = open(f'{FORK}/.git-commit').read().strip() if __import__('os').path.exists(f'{FORK}/.git-commit') else None
json.dump({
    'reference': 'Ultralytics BYTETracker and BOTSORT without image (no GMC, no ReID) (THU-MIG/yoloe fork, ultralytics 8.3.39), lap.lapjv replaced by scipy on the extended matrix',
    'fork_commit': fork_commit,
    'numpy': np.__version__, 'scipy': scipy.__version__,
    'scenarios': scenarios,
    'lsap': lsap_cases(),
}, open(OUT, 'w'))
print(OUT, sum(len(s['frames']) for s in scenarios), 'frames')
