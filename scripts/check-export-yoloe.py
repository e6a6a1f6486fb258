#!/usr/bin/env python3
"""Exports a random-weight YOLOE-v8n-seg (the fork's own yaml) with scripts/export-yoloe.py and
writes the torch references scripts/check-export-yoloe.mjs compares the ONNX files with.

  /usr/bin/python3 scripts/check-export-yoloe.py FORK_DIR OUT_DIR

FORK_DIR: a THU-MIG/yoloe source tree (imported at run time, never copied). OUT_DIR gets the three
ONNX files, references as .npy and check.json (the graph structure found with onnx).
"""
import copy
import importlib.util
import json
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))


def load_exporter():
    spec = importlib.util.spec_from_file_location('export_yoloe', os.path.join(HERE, 'export-yoloe.py'))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def main():
    fork, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    ex = load_exporter()
    YOLOEModel, YOLOEDetect = ex.import_yoloe(fork)
    torch.manual_seed(11)
    model = YOLOEModel('yoloe-v8n-seg.yaml', verbose=False).eval()
    head = model.model[-1]
    # a non-identity reprta (the fork initialises its last Linear to 0), and a contrastive scale
    # and bias that spread the class scores (the init's bias of about -9 keeps every score < 2e-4)
    torch.nn.init.normal_(head.reprta.m.w3.weight, std=0.05)
    for c in head.cv4:
        c.logit_scale.data.fill_(1.5)
        c.bias.data.fill_(-2.0)
    # a few BatchNorm statistics from real-ish data, so class scores depend on the anchor
    model.train()
    with torch.no_grad():
        for _ in range(3):
            for m in model.modules():
                if isinstance(m, torch.nn.BatchNorm2d):
                    m.momentum = None
            model.predict(torch.rand(2, 3, 320, 320), tpe=F.normalize(torch.randn(1, 80, 512), dim=-1))
    model.eval()
    for p in model.parameters():
        p.requires_grad_(False)
    names = [f'class{i}' for i in range(80)]
    files = {'text_adapter': 'random_text-adapter.onnx', 'text_encoder': 'random_text-encoder.onnx'}

    # the fork's fused path, for K prompts: set_classes + fuse (what export() bakes), run eagerly
    image = torch.rand(1, 3, 320, 320, generator=torch.Generator().manual_seed(5))
    refs = {}
    for k in (2, 80, 125):
        emb = F.normalize(torch.randn(1, k, 512, generator=torch.Generator().manual_seed(k)), dim=-1)
        np.save(os.path.join(out, f'emb_{k}.npy'), emb.numpy().astype(np.float32))
        fused = copy.deepcopy(model)
        fused.set_classes([f'c{i}' for i in range(k)], emb)
        fused.fuse(verbose=False)
        assert fused.model[-1].is_fused
        for m in fused.modules():
            if hasattr(m, 'export'):
                m.export, m.format = True, 'onnx'
        with torch.no_grad():
            y = fused.predict(image)
        refs[k] = y
        np.save(os.path.join(out, f'fused_output0_{k}.npy'), y[0].numpy().astype(np.float32))
        np.save(os.path.join(out, f'fused_output1_{k}.npy'), y[1].numpy().astype(np.float32))
    np.save(os.path.join(out, 'image.npy'), image.numpy().astype(np.float32))

    # adapter: torch get_tpe on random features
    feats = F.normalize(torch.randn(7, 512, generator=torch.Generator().manual_seed(3)), dim=-1)
    np.save(os.path.join(out, 'features.npy'), feats.numpy().astype(np.float32))
    with torch.no_grad():
        np.save(os.path.join(out, 'adapter_ref.npy'), head.get_tpe(feats).numpy().astype(np.float32))
    ex.export_adapter(head, os.path.join(out, files['text_adapter']))

    # text encoder: the fork's MobileCLIP TextTransformer (mobileclip_b text config, 2 layers x 64 wide, random)
    # the text encoder module alone: the package's __init__ also imports the image towers (timm)
    import types
    pkg = types.ModuleType('mobileclip')
    pkg.__path__ = [os.path.join(os.path.abspath(fork), 'third_party', 'ml-mobileclip', 'mobileclip')]
    sys.modules['mobileclip'] = pkg
    from mobileclip.text_encoder import TextTransformer
    cfg = {'causal_masking': True, 'context_length': 77, 'dim': 64, 'ffn_multiplier_per_layer': 4.0, 'model_name': 'base',
           'n_heads_per_layer': 8, 'n_transformer_layers': 2, 'norm_layer': 'layer_norm_fp32', 'vocab_size': 49408}
    torch.manual_seed(13)
    text = TextTransformer(cfg, projection_dim=512).eval()
    with torch.no_grad():  # the init's small weights give near-identical features for every prompt
        for p in text.parameters():
            if p.dim() > 1:
                p.normal_(0, 0.3)
    tokens = torch.zeros(3, 77, dtype=torch.int64)
    for i, ids in enumerate([[320], [1929, 2867], [320, 1125, 539, 320, 1929]]):
        tokens[i, 0] = 49406
        tokens[i, 1:1 + len(ids)] = torch.tensor(ids)
        tokens[i, 1 + len(ids)] = 49407
    np.save(os.path.join(out, 'tokens.npy'), tokens.numpy())
    with torch.no_grad():
        f = text(tokens)
        np.save(os.path.join(out, 'text_ref.npy'), (f / f.norm(p=2, dim=-1, keepdim=True)).numpy().astype(np.float32))
    ex.export_text_encoder(text, os.path.join(out, files['text_encoder']), 'mobileclip:random-2layer')

    # the run-time-vocabulary detector
    det = ex.prepare_detector(model, YOLOEDetect)
    path = os.path.join(out, 'random_runtime-vocab.onnx')
    ex.export_detector(det, path, 320, names, 'mobileclip:random-2layer', files)

    import onnx
    g = onnx.load(path).graph
    init_shapes = [list(t.dims) for t in g.initializer]
    check = {
        'inputs': {i.name: [d.dim_param or d.dim_value for d in i.type.tensor_type.shape.dim] for i in g.input},
        'outputs': {o.name: [d.dim_param or d.dim_value for d in o.type.tensor_type.shape.dim] for o in g.output},
        'einsum': sum(n.op_type == 'Einsum' for n in g.node),
        'einsum_reads_embeddings': sum(n.op_type == 'Einsum' and 'class_embeddings' in n.input for n in g.node),
        'embedding_constants': sum(s[-1:] == [512] and len(s) == 3 for s in init_shapes),
        'metadata': {p.key: p.value for p in onnx.load(path).metadata_props},
        'torch': torch.__version__,
        'onnx': onnx.__version__,
    }
    with open(os.path.join(out, 'check.json'), 'w') as fh:
        json.dump(check, fh, indent=1)
    print(json.dumps({k: v for k, v in check.items() if k != 'metadata'}))


if __name__ == '__main__':
    main()
