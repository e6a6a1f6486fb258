#!/usr/bin/env python3
"""Measures yoloe-trt's image layer against OpenCV (dev-time only: needs python3-opencv + numpy).

    python3 scripts/measure-letterbox-vs-opencv.py            # print the measurements
    python3 scripts/measure-letterbox-vs-opencv.py --golden   # also rewrite test/golden/resize-cv2.json

It compiles lib/image with the project's TypeScript into .cache/measure-image, asks a small
Node helper to run our code (decode, resize, letterbox, geometry), and compares the results with
cv2.imread / cv2.resize / Ultralytics' LetterBox formulas written out here in Python.
"""
import base64
import json
import os
import subprocess
import sys

import cv2
import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORK = os.path.join(ROOT, '.cache', 'measure-image')
FIXTURES = os.environ.get('YOLOE_TRT_FIXTURES', os.path.join(ROOT, '..', 'shared', 'fixtures'))
GOLDEN = os.path.join(ROOT, 'test', 'golden', 'resize-cv2.json')

HELPER = r"""
import { readFileSync, writeFileSync } from 'node:fs';
import { decodeImage, resizeBilinearU8, letterboxGeometry, letterboxU8, U8_TO_HALF } from './image/index.js';
const jobs = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const results = {};
for (const job of jobs) {
  if (job.kind === 'decode') {
    const img = await decodeImage(job.path);
    writeFileSync(job.out, img.data);
    results[job.id] = [img.width, img.height];
  } else if (job.kind === 'resize') {
    const src = new Uint8Array(readFileSync(job.src));
    writeFileSync(job.out, resizeBilinearU8(src, job.w, job.h, job.c, job.dw, job.dh));
  } else if (job.kind === 'letterbox') {
    const data = new Uint8Array(readFileSync(job.src));
    const g = letterboxGeometry(job.w, job.h, job.size, job.size);
    writeFileSync(job.out, letterboxU8({ data, width: job.w, height: job.h }, g));
    results[job.id] = g;
  } else if (job.kind === 'geometry') {
    results[job.id] = job.cases.map(([w, h, W, H, auto]) => {
      const g = letterboxGeometry(w, h, W, H, { auto, stride: 32 });
      return [g.newWidth, g.newHeight, g.left, g.top, g.right, g.bottom, g.dstWidth, g.dstHeight];
    });
  } else if (job.kind === 'fp16') {
    results[job.id] = Array.from(U8_TO_HALF);
  }
}
writeFileSync(process.argv[3], JSON.stringify(results));
"""


def build():
    os.makedirs(WORK, exist_ok=True)
    tsc = os.path.join(ROOT, 'node_modules', '.bin', 'tsc')
    subprocess.run([tsc, '--outDir', WORK, '--rootDir', os.path.join(ROOT, 'lib'), '--module', 'nodenext',
                    '--moduleResolution', 'nodenext', '--target', 'es2022', '--strict', '--skipLibCheck',
                    '--types', 'node', os.path.join(ROOT, 'lib', 'image', 'index.ts')], check=True)
    with open(os.path.join(WORK, 'helper.mjs'), 'w') as f:
        f.write(HELPER)


def run_node(jobs):
    jpath, rpath = os.path.join(WORK, 'jobs.json'), os.path.join(WORK, 'results.json')
    with open(jpath, 'w') as f:
        json.dump(jobs, f)
    subprocess.run(['node', os.path.join(WORK, 'helper.mjs'), jpath, rpath], check=True, cwd=ROOT)
    with open(rpath) as f:
        return json.load(f)


def synthetic(w, h, c):
    """The deterministic test image, same formula as test/image.resize.test.ts."""
    y, x, ch = np.meshgrid(np.arange(h), np.arange(w), np.arange(c), indexing='ij')
    return (((x * 7 + y * 13 + ch * 31) * (x + 2 * y + 3) + ch * 17) % 256).astype(np.uint8)


def letterbox_geometry_py(w, h, W, H, auto=False, stride=32):
    """Ultralytics LetterBox (center=True, scaleup=True) sizes and pads, in plain Python."""
    r = min(H / h, W / w)
    nw, nh = int(round(w * r)), int(round(h * r))
    # Ultralytics would pass cv2 an empty size here and fail; yoloe-trt keeps one pixel
    nw, nh = max(nw, 1), max(nh, 1)
    dw, dh = W - nw, H - nh
    if auto:
        dw, dh = np.mod(dw, stride), np.mod(dh, stride)
    dw /= 2
    dh /= 2
    top, bottom = int(round(dh - 0.1)), int(round(dh + 0.1))
    left, right = int(round(dw - 0.1)), int(round(dw + 0.1))
    return [nw, nh, left, top, right, bottom, nw + left + right, nh + top + bottom]


def letterbox_cv2(img, size):
    h, w = img.shape[:2]
    nw, nh, left, top, right, bottom, _, _ = letterbox_geometry_py(w, h, size, size)
    if (w, h) != (nw, nh):
        img = cv2.resize(img, (nw, nh), interpolation=cv2.INTER_LINEAR)
    return cv2.copyMakeBorder(img, top, bottom, left, right, cv2.BORDER_CONSTANT, value=(114, 114, 114))


def diff(a, b):
    d = np.abs(a.astype(np.int32) - b.astype(np.int32))
    return int(d.max()), float(d.mean()), int((d > 0).sum())


def main():
    build()
    print(f'OpenCV {cv2.__version__}, numpy {np.__version__}')
    jobs, expect = [], {}

    # 1. decode: sharp vs cv2.imread (BGR -> RGB)
    real = {}
    for name in ('bus.jpg', 'zidane.jpg'):
        path = os.path.join(FIXTURES, 'images', name)
        rgb = cv2.imread(path)[:, :, ::-1].copy()
        real[name] = rgb
        out = os.path.join(WORK, f'dec-{name}.bin')
        jobs.append({'kind': 'decode', 'id': name, 'path': path, 'out': out})
        expect[name] = ('decode', rgb, out)

    # 2. resize: ours vs cv2.resize INTER_LINEAR
    rng = np.random.default_rng(20240601)
    cases = [('bus.jpg', 480, 640), ('zidane.jpg', 640, 360)]
    inputs = {n: real[n] for n in real}
    extra = [((200, 150), (640, 480)), ((37, 23), (64, 40)), ((333, 517), (211, 97)), ((640, 480), (320, 240)),
             ((641, 481), (320, 240)), ((999, 601), (333, 200)), ((17, 13), (640, 640)), ((1, 1), (5, 3)),
             ((5, 1), (1, 7)), ((100, 100), (100, 37)), ((1280, 720), (640, 360)), ((301, 199), (640, 423))]
    for i, ((w, h), (dw, dh)) in enumerate(extra):
        name = f'noise{i}-{w}x{h}'
        inputs[name] = rng.integers(0, 256, size=(h, w, 3), dtype=np.uint8)
        cases.append((name, dw, dh))
    for i in range(8):
        w, h = (int(v) for v in rng.integers(2, 700, size=2))
        dw, dh = (int(v) for v in rng.integers(1, 900, size=2))
        name = f'rand{i}-{w}x{h}'
        inputs[name] = rng.integers(0, 256, size=(h, w, 3), dtype=np.uint8)
        cases.append((name, dw, dh))
    for name, dw, dh in cases:
        img = inputs[name]
        src = os.path.join(WORK, f'src-{name}.bin')
        img.tofile(src)
        out = os.path.join(WORK, f'rs-{name}-{dw}x{dh}.bin')
        h, w = img.shape[:2]
        jobs.append({'kind': 'resize', 'src': src, 'w': w, 'h': h, 'c': 3, 'dw': dw, 'dh': dh, 'out': out})
        expect[f'resize {name} -> {dw}x{dh}'] = ('resize', cv2.resize(img, (dw, dh), interpolation=cv2.INTER_LINEAR), out)

    # 3. whole letterbox (resize + pad) to 640, as Ultralytics' LetterBox
    for name in ('bus.jpg', 'zidane.jpg'):
        img = real[name]
        src = os.path.join(WORK, f'src-{name}.bin')
        img.tofile(src)
        out = os.path.join(WORK, f'lb-{name}.bin')
        jobs.append({'kind': 'letterbox', 'id': f'lb-{name}', 'src': src, 'w': img.shape[1], 'h': img.shape[0], 'size': 640, 'out': out})
        expect[f'letterbox {name} -> 640'] = ('letterbox', letterbox_cv2(img, 640), out)

    # 4. geometry on many random sizes against Python's own round()
    geo_cases = [[810, 1080, 640, 640, False], [1280, 720, 640, 640, False], [1280, 720, 640, 640, True]]
    for _ in range(5000):
        w, h = (int(v) for v in rng.integers(1, 4000, size=2))
        W, H = (int(v) for v in rng.integers(32, 1400, size=2))
        geo_cases.append([w, h, W, H, bool(rng.integers(0, 2))])
    jobs.append({'kind': 'geometry', 'id': 'geometry', 'cases': geo_cases})
    jobs.append({'kind': 'fp16', 'id': 'fp16'})

    results = run_node(jobs)
    for label, (kind, ref, out) in expect.items():
        ours = np.fromfile(out, dtype=np.uint8).reshape(ref.shape)
        mx, mean, count = diff(ours, ref)
        print(f'{kind:9s} {label:45s} max {mx}  mean {mean:.6f}  differing values {count} of {ref.size}')
    bad = [c for c, got in zip(geo_cases, results['geometry']) if got != letterbox_geometry_py(*c[:4], auto=c[4])]
    print(f'geometry  {len(geo_cases)} random cases vs Python round(): {len(bad)} mismatches {bad[:5]}')
    lut = np.array(results['fp16'], dtype=np.uint16)
    exact = (np.arange(256, dtype=np.float64) / 255).astype(np.float16).view(np.uint16)
    via32 = (np.arange(256, dtype=np.float32) / np.float32(255)).astype(np.float16).view(np.uint16)
    print(f'fp16 LUT  vs numpy float64->float16: {int((lut != exact).sum())} of 256 differ; '
          f'vs float32(p/255)->float16 (torch-style): {int((lut != via32).sum())} differ')

    if '--golden' in sys.argv:
        write_golden()


def write_golden():
    """cv2.resize of small synthetic images, the test's ground truth (base64 of HWC uint8)."""
    cases = [(37, 23, 3, 64, 40), (37, 23, 3, 11, 7), (37, 23, 3, 100, 100), (37, 23, 3, 18, 11),
             (40, 24, 3, 20, 12), (37, 23, 1, 64, 40), (37, 23, 4, 29, 31), (9, 5, 3, 9, 5)]
    out = {'generator': 'scripts/measure-letterbox-vs-opencv.py --golden', 'opencv': cv2.__version__,
           'formula': '((x * 7 + y * 13 + c * 31) * (x + 2 * y + 3) + c * 17) % 256', 'cases': []}
    for w, h, c, dw, dh in cases:
        img = synthetic(w, h, c)
        res = cv2.resize(img if c > 1 else img[:, :, 0], (dw, dh), interpolation=cv2.INTER_LINEAR)
        out['cases'].append({'srcWidth': w, 'srcHeight': h, 'channels': c, 'dstWidth': dw, 'dstHeight': dh,
                             'base64': base64.b64encode(res.tobytes()).decode()})
    with open(GOLDEN, 'w') as f:
        json.dump(out, f, indent=1)
        f.write('\n')
    print(f'wrote {GOLDEN}')


if __name__ == '__main__':
    main()
