"""Generator of test/golden/letterbox-cv2.json: Ultralytics' LetterBox (predict settings, and
auto mode with strides 32, 64, 128) done with OpenCV, and the geometry measured on the image
OpenCV produced (where the 114-grey border ends), not computed by a second formula.

    /usr/bin/python3 test/golden/make-letterbox-golden.py > test/golden/letterbox-cv2.json

The LetterBox steps are written out from its documented semantics (REFERENCE.md section 2):
r = min(H/h, W/w) (capped at 1 without scaleup), content round(w*r) x round(h*r), leftover
np.mod(leftover, stride) in auto mode, halved when centered, cv2.resize INTER_LINEAR,
cv2.copyMakeBorder with round(d - 0.1) before and round(d + 0.1) after.
"""
import json, random
import cv2
import numpy as np

rng = random.Random(20261201)


def letterbox_cv2(w, h, dst_w, dst_h, auto, stride, scaleup, center):
    img = np.full((h, w, 3), 200, np.uint8)
    r = min(dst_h / h, dst_w / w)
    if not scaleup:
        r = min(r, 1.0)
    new_unpad = max(1, int(round(w * r))), max(1, int(round(h * r)))
    dw, dh = dst_w - new_unpad[0], dst_h - new_unpad[1]
    if auto:
        dw, dh = np.mod(dw, stride), np.mod(dh, stride)
    if center:
        dw, dh = dw / 2, dh / 2
    if (w, h) != new_unpad:
        img = cv2.resize(img, new_unpad, interpolation=cv2.INTER_LINEAR)
    top, bottom = (int(round(dh - 0.1)) if center else 0), int(round(dh + 0.1))
    left, right = (int(round(dw - 0.1)) if center else 0), int(round(dw + 0.1))
    return cv2.copyMakeBorder(img, top, bottom, left, right, cv2.BORDER_CONSTANT, value=(114, 114, 114))


def measure(out):
    content = out[:, :, 0] == 200
    rows, cols = np.where(content.any(axis=1))[0], np.where(content.any(axis=0))[0]
    H, W = content.shape
    return {'dstWidth': W, 'dstHeight': H, 'top': int(rows[0]), 'bottom': int(H - 1 - rows[-1]),
            'left': int(cols[0]), 'right': int(W - 1 - cols[-1]), 'newWidth': int(cols[-1] - cols[0] + 1),
            'newHeight': int(rows[-1] - rows[0] + 1)}


cases = []
fixed = [(1280, 720, 640, 640, 64), (1280, 600, 640, 640, 64), (640, 580, 640, 640, 64), (500, 375, 640, 640, 64),
         (640, 427, 640, 640, 128), (810, 1080, 640, 640, 64), (333, 517, 640, 640, 64), (1000, 100, 320, 320, 64)]
for w, h, dw, dh, s in fixed:
    cases.append((w, h, dw, dh, True, s, True, True))
while len(cases) < 120:
    w, h = rng.randint(16, 1400), rng.randint(16, 1400)
    d = rng.choice([320, 640, 512])
    cases.append((w, h, d, rng.choice([d, d // 2 + 64]), rng.random() < 0.8, rng.choice([32, 64, 64, 128]), rng.random() < 0.8, rng.random() < 0.85))

out = []
for w, h, dw, dh, auto, stride, scaleup, center in cases:
    geom = measure(letterbox_cv2(w, h, dw, dh, auto, stride, scaleup, center))
    out.append({'src': [w, h], 'dst': [dw, dh], 'options': {'auto': auto, 'stride': stride, 'scaleUp': scaleup, 'center': center}, 'expected': geom})
print(json.dumps({'generator': 'test/golden/make-letterbox-golden.py', 'opencv': cv2.__version__, 'cases': out}))
