#!/usr/bin/env python3
"""Export a YOLOE checkpoint for yoloe-trt's run-time vocabularies (text prompts without re-exporting).

Writes three ONNX files from a YOLOE .pt, with your own YOLOE / Ultralytics install:

  <stem>_runtime-vocab.onnx   the detector: inputs images [1, 3, H, W] and class_embeddings
                              [1, K, D] (K dynamic); the contrastive head stays un-fused (the class
                              embeddings are an input instead of a Constant folded into the class
                              convs) and the reshapes / splits that would hard-code K follow the
                              input's K; outputs output0 [1, 4 + K + nm, N] (+ output1 protos)
  <stem>_text-encoder.onnx    the text model (MobileCLIP): tokens int64 [N, 77] -> text_features
                              [N, D], L2-normalised (MobileCLIP.encode_text)
  <stem>_text-adapter.onnx    the detector's reprta + L2 normalisation (YOLOEDetect.get_tpe):
                              text_features [N, D] -> class_embeddings [N, D]

metadata_props tell yoloe-trt what they are: the detector carries the Ultralytics keys (names =
the checkpoint's vocabulary, stride, task, imgsz, batch, version) and vocabulary=runtime,
embeddings_input, embed_dim, text_model, text_encoder, text_adapter.

Usage:
  python3 scripts/export-yoloe.py yoloe-v8s-seg.pt --out exported/ [--imgsz 640] [--opset 14]
      [--ultralytics PATH]   a YOLOE source tree to import (THU-MIG/yoloe) instead of the installed one
      [--no-text]            skip the text encoder (it downloads the MobileCLIP weights)

Supported: THU-MIG/yoloe (its Ultralytics 8.3.39 fork, checked against commit 6e916ab2 by
scripts/check-export-yoloe.mjs). Upstream Ultralytics >= 8.3.99 ships YOLOE with the same
head (YOLOEDetect.get_tpe / reprta, BNContrastiveHead, YOLOEModel.predict(tpe=...)); the
script checks those names at run time and refuses a model without them, but it is not tested
against upstream releases here.

Then in Node:
  const te = await loadTextEncoder({ onnx: 'exported/<stem>_text-encoder.onnx', adapter: 'exported/<stem>_text-adapter.onnx' });
  const model = await loadModel('exported/<stem>_runtime-vocab.onnx', { textEncoder: te });
  await model.setClasses(['person', 'red bus']);
"""
import argparse
import json
import os
import sys
import tempfile


def import_yoloe(path):
    """The YOLOE modules, from `path` (a source tree) or the installed package."""
    if path:
        sys.path.insert(0, os.path.abspath(path))
    from ultralytics.nn.tasks import YOLOEModel  # noqa: E402
    from ultralytics.nn.modules.head import YOLOEDetect  # noqa: E402
    return YOLOEModel, YOLOEDetect


def prepare_detector(model, YOLOEDetect):
    """Eval mode, Conv+BN fused, but the text embeddings NOT folded into the head."""
    import torch
    head = model.model[-1]
    if not isinstance(head, YOLOEDetect) or not hasattr(head, 'reprta') or not hasattr(head, 'cv4'):
        raise SystemExit(f'not a YOLOE text-prompt head: {type(head).__name__} (a prompt-free -pf model has a fixed vocabulary: export it normally)')
    if getattr(head, 'is_fused', False):
        raise SystemExit('the head is already fused with a vocabulary: load the original .pt, not one after set_classes()/fuse()')
    if hasattr(head, 'lrpc'):
        raise SystemExit('prompt-free (LRPC) head: it has a built-in vocabulary, export it with the normal exporter')
    model.eval()
    # BaseModel.fuse() folds `pe` (the set_classes embeddings) into the class convs: drop it first
    if hasattr(model, 'pe'):
        delattr(model, 'pe')
    model.fuse(verbose=False)
    assert not getattr(head, 'is_fused', False), 'the text embeddings were fused'
    for m in model.modules():
        if hasattr(m, 'export'):
            m.export = True
            m.format = 'onnx'
        if hasattr(m, 'dynamic'):
            m.dynamic = False
    for p in model.parameters():
        p.requires_grad_(False)
    return model


class RuntimeVocabularyDetector:
    """images, class_embeddings -> the head's outputs, with K taken from the embeddings."""

    @staticmethod
    def build(model):
        import torch

        head = model.model[-1]
        # the adapter (reprta + normalise) is a separate file: the input is already get_tpe's output
        head.get_tpe = lambda tpe: tpe

        class Wrapper(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.model = model

            def forward(self, images, class_embeddings):
                # a traced size: every view / split that reads head.nc follows the input's K
                head.nc = class_embeddings.shape[1]
                return self.model.predict(images, tpe=class_embeddings)

        return Wrapper().eval()


class TextAdapter:
    @staticmethod
    def build(head):
        import torch
        import torch.nn.functional as F

        class Adapter(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.reprta = head.reprta

            def forward(self, text_features):
                return F.normalize(self.reprta(text_features), dim=-1, p=2)

        return Adapter().eval()


class TextEncoder:
    @staticmethod
    def build(encode_text):
        import torch

        class Encoder(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.encode_text = encode_text

            def forward(self, tokens):
                f = self.encode_text(tokens)
                return f / f.norm(p=2, dim=-1, keepdim=True)

        return Encoder().eval()


def ultralytics_metadata(model, imgsz, names):
    head = model.model[-1]
    task = 'segment' if hasattr(head, 'proto') else 'detect'
    try:
        from ultralytics import __version__ as version
    except Exception:  # a bare source tree
        version = 'unknown'
    return {
        'description': f'YOLOE {task} model with a run-time vocabulary (yoloe-trt scripts/export-yoloe.py)',
        'author': 'Ultralytics',
        'version': str(version),
        'stride': str(int(max(model.stride.tolist()))),
        'task': task,
        'batch': '1',
        'imgsz': str([imgsz, imgsz]),
        'names': str({i: n for i, n in enumerate(names)}),
    }


def save_atomically(onnx_model, path):
    import onnx
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix='.export-yoloe-', suffix='.onnx', dir=folder)
    os.close(fd)
    try:
        onnx.save(onnx_model, tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def set_metadata(path, meta):
    import onnx
    m = onnx.load(path)
    del m.metadata_props[:]
    for k, v in meta.items():
        m.metadata_props.add(key=k, value=str(v))
    onnx.checker.check_model(m)
    save_atomically(m, path)


def export_onnx(module, args, path, input_names, output_names, dynamic_axes, opset):
    import torch
    fd, tmp = tempfile.mkstemp(suffix='.onnx', dir=os.path.dirname(os.path.abspath(path)))
    os.close(fd)
    try:
        with torch.no_grad():
            torch.onnx.export(module, args, tmp, opset_version=opset, input_names=input_names, output_names=output_names,
                              dynamic_axes=dynamic_axes, do_constant_folding=True)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def export_detector(model, path, imgsz, names, text_model, files, opset=14, k=80):
    """The run-time-vocabulary detector. `model` is a prepared YOLOEModel (prepare_detector)."""
    import torch
    head = model.model[-1]
    dim = int(head.embed)
    wrapper = RuntimeVocabularyDetector.build(model)
    images = torch.zeros(1, 3, imgsz, imgsz)
    emb = torch.nn.functional.normalize(torch.randn(1, k, dim), dim=-1)
    segment = hasattr(head, 'proto')
    outputs = ['output0', 'output1'] if segment else ['output0']
    export_onnx(wrapper, (images, emb), path, ['images', 'class_embeddings'], outputs,
                {'class_embeddings': {1: 'num_classes'}, 'output0': {1: f'4+num_classes{"+%d" % head.nm if segment else ""}'}}, opset)
    meta = ultralytics_metadata(model, imgsz, names)
    meta.update({
        'vocabulary': 'runtime',
        'embeddings_input': 'class_embeddings',
        'embed_dim': str(dim),
        'embeddings_note': "L2-normalised class embeddings [1, num_classes, D] (get_text_pe output); 'names' are the export-time vocabulary",
        'text_model': text_model or '',
        'text_encoder': files.get('text_encoder', ''),
        'text_adapter': files.get('text_adapter', ''),
    })
    set_metadata(path, meta)


def export_adapter(head, path, opset=14):
    import torch
    dim = int(head.embed)
    export_onnx(TextAdapter.build(head), (torch.nn.functional.normalize(torch.randn(3, dim), dim=-1),), path,
                ['text_features'], ['class_embeddings'], {'text_features': {0: 'num_classes'}, 'class_embeddings': {0: 'num_classes'}}, opset)
    set_metadata(path, {'model': 'YOLOE text adapter: the detector head reprta + L2 normalise (YOLOEDetect.get_tpe)',
                        'input': f'text_features float32 [num_classes, {dim}]', 'output': f'class_embeddings float32 [num_classes, {dim}]'})


def export_text_encoder(encode_text, path, text_model, opset=14, context=77):
    import torch
    tokens = torch.zeros(2, context, dtype=torch.int64)
    tokens[:, 0] = 49406
    tokens[:, 1] = 320
    tokens[:, 2] = 49407
    export_onnx(TextEncoder.build(encode_text), (tokens,), path, ['tokens'], ['text_features'],
                {'tokens': {0: 'num_texts'}, 'text_features': {0: 'num_texts'}}, opset)
    set_metadata(path, {'model': f'{text_model} text encoder (L2-normalised encode_text)', 'tokenizer': 'CLIP BPE (open_clip SimpleTokenizer), context 77, SOT 49406, EOT 49407, pad 0',
                        'input': f'tokens int64 [num_texts, {context}]', 'output': 'text_features float32 [num_texts, D], L2-normalised'})


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('weights', help='a YOLOE .pt checkpoint (text/visual-prompt model, not -pf)')
    ap.add_argument('--out', required=True, help='output folder (created)')
    ap.add_argument('--imgsz', type=int, default=640)
    ap.add_argument('--opset', type=int, default=14)
    ap.add_argument('--ultralytics', help='import YOLOE from this source tree')
    ap.add_argument('--no-text', action='store_true', help='skip the text encoder export')
    a = ap.parse_args()
    YOLOEModel, YOLOEDetect = import_yoloe(a.ultralytics)
    import torch
    os.makedirs(a.out, exist_ok=True)
    ckpt = torch.load(a.weights, map_location='cpu')
    model = (ckpt.get('ema') or ckpt['model']).float()
    names = model.names if isinstance(model.names, list) else [model.names[i] for i in sorted(model.names)]
    text_model = (getattr(model, 'args', {}) or {}).get('text_model', 'mobileclip:blt')
    stem = os.path.splitext(os.path.basename(a.weights))[0]
    files = {'text_adapter': f'{stem}_text-adapter.onnx'}
    head = model.model[-1]
    if not a.no_text:
        from ultralytics.nn.text_model import build_text_model
        clip = build_text_model(text_model, device='cpu')
        files['text_encoder'] = f'{stem}_text-encoder.onnx'
        export_text_encoder(clip.model.encode_text, os.path.join(a.out, files['text_encoder']), text_model, a.opset)
    export_adapter(head, os.path.join(a.out, files['text_adapter']), a.opset)
    model = prepare_detector(model, YOLOEDetect)
    export_detector(model, os.path.join(a.out, f'{stem}_runtime-vocab.onnx'), a.imgsz, names, text_model, files, a.opset)
    print(json.dumps({'out': a.out, **files, 'detector': f'{stem}_runtime-vocab.onnx'}, indent=1))


if __name__ == '__main__':
    main()
