#!/usr/bin/env python3
"""Independent reference of Ultralytics' predict pipeline, for yoloe-trt's agreement test.

Written from the documented semantics (../shared/REFERENCE.md) on the same libraries Ultralytics
calls: OpenCV for decoding and LetterBox resizing, PyTorch for mask interpolation, torchvision for
NMS. The network itself runs in ONNX Runtime through a small Node helper (run-onnx.mjs), the same
runtime Ultralytics' ONNX backend uses, fed with the tensor made here.

Usage (dev time; needs python3-opencv, python3-torch, python3-torchvision from Debian):
  python3 scripts/reference/ultralytics_reference.py MODEL.onnx OUT.json IMAGE...

test/golden/reference-*.json were made with, for F=../shared/fixtures and each of
yolov8n_640_fp32.onnx and yolov8n-seg_320_fp32.onnx:
  IMGS=$(ls $F/coco128/images/train2017/*.jpg | awk 'NR%8==1' | head -16)
  /usr/bin/python3 scripts/reference/ultralytics_reference.py $F/models/<model> \
      test/golden/reference-<yolov8n_640|yolov8n-seg_320>.json $F/images/bus.jpg $F/images/zidane.jpg $IMGS
"""
import json
import os
import subprocess
import sys
import tempfile

import cv2
import numpy as np
import torch
import torch.nn.functional as F
import torchvision

HERE = os.path.dirname(os.path.abspath(__file__))
MAX_WH = 7680


def letterbox(img, new_shape):
    h, w = img.shape[:2]
    r = min(new_shape[0] / h, new_shape[1] / w)
    new_unpad = int(round(w * r)), int(round(h * r))
    dw, dh = (new_shape[1] - new_unpad[0]) / 2, (new_shape[0] - new_unpad[1]) / 2
    if (w, h) != new_unpad:
        img = cv2.resize(img, new_unpad, interpolation=cv2.INTER_LINEAR)
    top, bottom = int(round(dh - 0.1)), int(round(dh + 0.1))
    left, right = int(round(dw - 0.1)), int(round(dw + 0.1))
    img = cv2.copyMakeBorder(img, top, bottom, left, right, cv2.BORDER_CONSTANT, value=(114, 114, 114))
    return img, r, left, top


def run_onnx(model, tensor):
    with tempfile.TemporaryDirectory() as tmp:
        inp = os.path.join(tmp, 'input.bin')
        tensor.astype(np.float32).tofile(inp)
        subprocess.run(['node', os.path.join(HERE, 'run-onnx.mjs'), model, inp, ','.join(map(str, tensor.shape)), tmp], check=True)
        with open(os.path.join(tmp, 'outputs.json')) as f:
            meta = json.load(f)
        return [np.fromfile(os.path.join(tmp, o['file']), dtype=np.float32).reshape(o['dims']) for o in meta]


def nms(pred, nc, conf=0.25, iou=0.7, max_det=300, max_nms=30000):
    x = torch.from_numpy(pred).transpose(0, 1)  # N x (4 + nc + nm)
    box, cls, coef = x[:, :4], x[:, 4:4 + nc], x[:, 4 + nc:]
    score, j = cls.max(1, keepdim=True)
    xyxy = torch.cat((box[:, :2] - box[:, 2:] / 2, box[:, :2] + box[:, 2:] / 2), 1)
    x = torch.cat((xyxy, score, j.float(), coef), 1)[score.view(-1) > conf]
    if x.shape[0] > max_nms:
        x = x[x[:, 4].argsort(descending=True)[:max_nms]]
    keep = torchvision.ops.nms(x[:, :4] + x[:, 5:6] * MAX_WH, x[:, 4], iou)[:max_det]
    return x[keep]


def masks_upstream(protos, coef, boxes, in_shape, orig_shape):
    c, mh, mw = protos.shape
    logits = (coef @ torch.from_numpy(protos).view(c, -1)).view(-1, mh, mw)
    m = F.interpolate(logits[None], in_shape, mode='bilinear', align_corners=False)[0]
    cols = torch.arange(in_shape[1])[None, None, :]
    rows = torch.arange(in_shape[0])[None, :, None]
    x1, y1, x2, y2 = torch.chunk(boxes[:, :, None], 4, 1)
    m = m * ((cols >= x1) * (cols < x2) * (rows >= y1) * (rows < y2))
    m = (m > 0).float()
    H, W = in_shape
    h, w = orig_shape
    g = min(H / h, W / w)
    pw, ph = (W - round(w * g)) / 2, (H - round(h * g)) / 2
    top, left = int(round(ph - 0.1)), int(round(pw - 0.1))
    bottom, right = H - int(round(ph + 0.1)), W - int(round(pw + 0.1))
    m = F.interpolate(m[None, :, top:bottom, left:right], (h, w), mode='bilinear', align_corners=False)[0]
    return (m > 0.5).numpy().astype(np.uint8)


def masks_retina(protos, coef, boxes_orig, orig_shape):
    """retina_masks: logits at proto resolution, un-padded and resized to the original image, then
    cropped with the original-space box (Ultralytics process_mask_native + scale_masks)."""
    c, mh, mw = protos.shape
    logits = (coef @ torch.from_numpy(protos).view(c, -1)).view(-1, mh, mw)
    h, w = orig_shape
    g = min(mh / h, mw / w)
    pw, ph = (mw - round(w * g)) / 2, (mh - round(h * g)) / 2
    top, left = int(round(ph - 0.1)), int(round(pw - 0.1))
    bottom, right = mh - int(round(ph + 0.1)), mw - int(round(pw + 0.1))
    m = F.interpolate(logits[None, :, top:bottom, left:right], (h, w), mode='bilinear', align_corners=False)[0]
    cols = torch.arange(w)[None, None, :]
    rows = torch.arange(h)[None, :, None]
    x1, y1, x2, y2 = torch.chunk(boxes_orig[:, :, None], 4, 1)
    m = m * ((cols >= x1) * (cols < x2) * (rows >= y1) * (rows < y2))
    return (m > 0).numpy().astype(np.uint8)


def rle(mask):
    flat = mask.flatten(order='F')
    counts, cur, run = [], 0, 0
    for v in flat:
        if v != cur:
            counts.append(run)
            cur, run = v, 0
        run += 1
    counts.append(run)
    return counts


def main():
    model, out, images = sys.argv[1], sys.argv[2], sys.argv[3:]
    results = []
    for path in images:
        bgr = cv2.imread(path)
        h, w = bgr.shape[:2]
        shape = json.loads(subprocess.run(['node', os.path.join(HERE, 'run-onnx.mjs'), model, '--input-shape'], check=True, capture_output=True, text=True).stdout)
        H, W = shape[2], shape[3]
        lb, r, left, top = letterbox(bgr, (H, W))
        tensor = (lb[:, :, ::-1].transpose(2, 0, 1)[None].astype(np.float32) / 255.0)
        outs = run_onnx(model, np.ascontiguousarray(tensor))
        pred = outs[0][0]
        nm = outs[1].shape[1] if len(outs) > 1 else 0
        nc = pred.shape[0] - 4 - nm
        det = nms(pred, nc)
        boxes = det[:, :4].clone()
        orig = boxes.clone()
        orig[:, [0, 2]] = ((orig[:, [0, 2]] - left) / r).clamp(0, w)
        orig[:, [1, 3]] = ((orig[:, [1, 3]] - top) / r).clamp(0, h)
        record = {'image': os.path.basename(path), 'width': w, 'height': h, 'detections': []}
        masks = masks_upstream(outs[1][0], det[:, 6:], boxes, (H, W), (h, w)) if nm and len(det) else None
        retina = masks_retina(outs[1][0], det[:, 6:], orig, (h, w)) if nm and len(det) else None
        for i in range(len(det)):
            d = {'box': [float(v) for v in orig[i]], 'score': float(det[i, 4]), 'classId': int(det[i, 5])}
            if masks is not None:
                d['rle'] = rle(masks[i])
                d['retinaRle'] = rle(retina[i])
            record['detections'].append(d)
        results.append(record)
        print(f"{os.path.basename(path)}: {len(det)} detections", file=sys.stderr)
    with open(out, 'w') as f:
        json.dump({'model': os.path.basename(model), 'tool': 'scripts/reference/ultralytics_reference.py', 'images': results}, f, separators=(',', ':'))


if __name__ == '__main__':
    main()
