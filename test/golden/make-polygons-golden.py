"""Generator of test/golden/polygons-cv2.json: cv2.findContours(RETR_EXTERNAL,
CHAIN_APPROX_SIMPLE) on 200 random masks (blobs, noise, holes, touching diagonals, single pixels,
one-pixel lines, masks touching the border).

    /usr/bin/python3 test/golden/make-polygons-golden.py > test/golden/polygons-cv2.json

Masks are stored row-major as base64 of np.packbits; contours as flat [x0, y0, x1, y1, ...].
"""
import base64, json
import cv2
import numpy as np

rng = np.random.default_rng(20261201)
cases = []
for i in range(200):
    h, w = int(rng.integers(1, 48)), int(rng.integers(1, 48))
    kind = i % 4
    if kind == 0:  # salt noise: many tiny and diagonal-touching components
        m = rng.random((h, w)) < rng.uniform(0.05, 0.6)
    elif kind == 1:  # smooth blobs, some with holes
        noise = cv2.GaussianBlur(rng.random((h, w)).astype(np.float32), (0, 0), rng.uniform(0.8, 3))
        m = noise > np.quantile(noise, rng.uniform(0.3, 0.8))
    elif kind == 2:  # rings and nested components
        m = np.zeros((h, w), bool)
        yy, xx = np.mgrid[0:h, 0:w]
        for _ in range(int(rng.integers(1, 4))):
            cy, cx, r = rng.uniform(0, h), rng.uniform(0, w), rng.uniform(1, 15)
            d = np.hypot(yy - cy, xx - cx)
            m ^= (d < r) & (d > r * rng.uniform(0.2, 0.8))
    else:  # lines and rectangles
        m = np.zeros((h, w), bool)
        for _ in range(int(rng.integers(1, 6))):
            y0, x0 = int(rng.integers(0, h)), int(rng.integers(0, w))
            m[y0:y0 + int(rng.integers(1, 12)), x0:x0 + int(rng.integers(1, 12))] = True
    u8 = m.astype(np.uint8)
    contours, _ = cv2.findContours(u8.copy(), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    polys = [c.reshape(-1).astype(int).tolist() for c in contours]
    cases.append({'width': w, 'height': h, 'bits': base64.b64encode(np.packbits(u8.reshape(-1))).decode(), 'contours': polys})
print(json.dumps({'generator': 'test/golden/make-polygons-golden.py', 'opencv': cv2.__version__, 'cases': cases}))
