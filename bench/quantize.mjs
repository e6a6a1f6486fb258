// INT8 vs FP32 on coco128, split by file name (sorted): images 0-63 calibrate (no labels),
// images 64-127 judge (labels). Three parts (BENCH_QUANTIZE=user,ptq,stability selects):
//   user       the user's case: `yoloe-trt quantize M --calib <images 0-63> --target T --max-drop 1.0
//              --eval <images 64-127>` with CLI defaults, one process per run, for yolov8n_640 and
//              yolov8n-seg_320, targets cpu and tensorrt (the tensorrt Q/DQ model runs in ONNX Runtime
//              as fake quantization). The drop printed is the CLI report's own headline (its verdict's:
//              the labelled drop on the judged images), next to quantize's label-free held-out estimate
//              (mirror pseudo labels, +- bootstrap noise) and the old agreement proxy, both information.
//              CPU latency int8/fp32 both interleaved (the report's) and in separate processes (this bench's).
//   ptq        what each PTQ correction contributes, all layers int8 (no mixed precision): percentile
//              99.999 vs per-tensor MSE range, each with and without bias correction.
//   stability  the sensitivity order for two seeds of the held-out split: overlap of the top layers.
//   estimate   does the label-free estimate track the labelled drop? Every layer int8, calibrated on
//              images 0-63; on images 64-127, 48-63 (the CLI's default held-out quarter) and 0-63, the
//              labelled drop against the mirror estimate (pseudo labels above 0.25 and above 0.5) and the
//              old agreement proxy, on the same images.
// BENCH_QUANTIZE_MODELS=det,seg and BENCH_QUANTIZE_TARGETS=cpu,tensorrt narrow it down.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { fixture, table } from './util.mjs';

const DIST = process.env.YOLOE_TRT_DIST ? pathToFileURL(join(process.env.YOLOE_TRT_DIST, '/')).href : new URL('../dist/', import.meta.url).href;
const BIN = new URL('cli/bin.js', DIST).pathname;
const SPLIT = 64;
const parts = (process.env.BENCH_QUANTIZE ?? 'user,ptq,stability,estimate').split(',');
const models = (process.env.BENCH_QUANTIZE_MODELS ?? 'det,seg').split(',');
const targets = (process.env.BENCH_QUANTIZE_TARGETS ?? 'cpu,tensorrt').split(',');

const MODELS = {
  det: { name: 'yolov8n_640', file: () => fixture('models', 'yolov8n_640_fp32.onnx') },
  seg: { name: 'yolov8n-seg_320', file: () => fixture('models', 'yolov8n-seg_320_fp32.onnx') },
};

function sortedImages() {
  const dir = fixture('coco128', 'images', 'train2017');
  return readdirSync(dir).filter((f) => f.endsWith('.jpg')).sort().map((f) => join(dir, f));
}

/** Folders of symlinks: calib/ (images 0-63), and the judging split as a data YAML over images + labels 64-127. */
export function makeSplit(dir, kind) {
  const files = sortedImages();
  const calib = join(dir, 'calib');
  mkdirSync(calib);
  for (const f of files.slice(0, SPLIT)) symlinkSync(f, join(calib, basename(f)));
  const images = join(dir, 'judge', 'images', 'val');
  const labels = join(dir, 'judge', 'labels', 'val');
  mkdirSync(images, { recursive: true });
  mkdirSync(labels, { recursive: true });
  const labelDir = kind === 'seg' ? fixture('coco128-seg', 'labels', 'train2017') : fixture('coco128', 'labels', 'train2017');
  const labelFiles = new Set(readdirSync(labelDir));
  for (const f of files.slice(SPLIT)) {
    symlinkSync(f, join(images, basename(f)));
    const txt = basename(f, '.jpg') + '.txt';
    if (labelFiles.has(txt)) symlinkSync(join(labelDir, txt), join(labels, txt));
  }
  const names = JSON.parse(readFileSync(fixture('coco128', 'annotations', 'instances_train2017.json'), 'utf8')).categories.sort((a, b) => a.id - b.id).map((c) => c.name);
  const yaml = join(dir, 'judge', 'data.yaml');
  writeFileSync(yaml, `path: ${join(dir, 'judge')}\nval: images/val\nnames:\n${names.map((n, i) => `  ${i}: ${n}`).join('\n')}\n`);
  return { calib, yaml, first: basename(files[0]), last: basename(files[SPLIT - 1]), judgeFirst: basename(files[SPLIT]), judgeLast: basename(files.at(-1)) };
}

export function cli(args) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const line = r.stdout.trim().split('\n').filter((l) => l.startsWith('{')).at(-1);
  if (!line) throw new Error(`yoloe-trt ${args.join(' ')} printed no JSON (exit ${r.status}):\n${r.stderr.slice(-4000)}`);
  return { json: JSON.parse(line), status: r.status };
}

/** Median ms of `runs` timed runs of one model, alone in a fresh process (spinning off). */
function separateProcessMs(model, imgsz, runs = 20) {
  const script = `
    const { CpuBackend } = await import(${JSON.stringify(new URL('backends/cpu.js', DIST).href)});
    const b = await CpuBackend.create(${JSON.stringify(model)}, { spinning: false });
    const data = new Float32Array(3 * ${imgsz} * ${imgsz}).fill(0.5);
    const feed = { [b.inputs[0].name]: { data, dims: [1, 3, ${imgsz}, ${imgsz}], dtype: 'float32' } };
    for (let i = 0; i < 3; i++) await b.run(feed);
    const t = [];
    for (let i = 0; i < ${runs}; i++) { const t0 = performance.now(); await b.run(feed); t.push(performance.now() - t0); }
    await b.dispose();
    t.sort((a, b) => a - b);
    console.log(t[t.length >> 1]);`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`latency process failed: ${r.stderr.slice(-2000)}`);
  return Number(r.stdout.trim());
}

/** int8 / fp32 as the median of per-pair ratios, each pair two fresh processes back to back. */
export function separateProcessRatio(fp32, int8, imgsz, pairs = 5) {
  const ratios = [];
  const a = [];
  const b = [];
  for (let p = 0; p < pairs; p++) {
    const x = separateProcessMs(fp32, imgsz);
    const y = separateProcessMs(int8, imgsz);
    a.push(x);
    b.push(y);
    ratios.push(y / x);
  }
  const med = (v) => [...v].sort((m, n) => m - n)[v.length >> 1];
  return { fp32Ms: med(a), int8Ms: med(b), ratio: med(ratios) };
}

function benchUser() {
  const rows = [];
  let split;
  for (const kind of models) {
    for (const target of targets) {
      const dir = mkdtempSync(join(tmpdir(), 'yoloe-bench-user-'));
      try {
        split = makeSplit(dir, kind);
        const out = join(dir, 'q.onnx');
        const t0 = performance.now();
        const { json, status } = cli(['quantize', MODELS[kind].file(), '--calib', split.calib, '--target', target, '--max-drop', '1.0', '--out', out, '--eval', split.yaml, '--json']);
        const seconds = (performance.now() - t0) / 1000;
        const r = json.report;
        const q = json.quantize;
        const imgsz = kind === 'det' ? 640 : 320;
        // exit status as a user sees it (no --allow-over-budget): an over-budget model is not written, nor timed alone
        const separate = target === 'cpu' && existsSync(out) ? separateProcessRatio(MODELS[kind].file(), out, imgsz) : undefined;
        console.log(`[${MODELS[kind].name} ${target}] exit ${status}, ${seconds.toFixed(0)} s; verdict ${r.verdict}${r.reasons.length ? ` (${r.reasons.join('; ')})` : ''}`);
        const mp = q.mixedPrecision;
        // quantize()'s own figure: the written model's label-free estimate on every calibration image
        const est = q.budget?.estimate;
        const estimate = est ? `${est.box.drop.toFixed(2)}±${est.box.noise.toFixed(2)}${est.mask ? ` / ${est.mask.drop.toFixed(2)}±${est.mask.noise.toFixed(2)}` : ''} (${est.images})` : '-';
        console.log(`[${MODELS[kind].name} ${target}] report headline drop ${r.budget.drop.toFixed(2)} (judged on ${r.budget.judgedOn}); written model's label-free estimate box / mask ${estimate} images; search judged on ${mp?.heldOutImages} images: all int8 ${mp?.fullDrop?.toFixed(2)}±${mp?.fullNoise?.toFixed(2)} -> ${mp?.finalDrop?.toFixed(2)}±${mp?.finalNoise?.toFixed(2)}; agreement proxy ${mp?.agreementDrop?.full?.toFixed(2)} -> ${mp?.agreementDrop?.final?.toFixed(2)}; float layers (${q.floatLayers.length}): ${q.floatLayers.join(', ') || 'none'}`);
        if (mp?.steps?.length) console.log(`[${MODELS[kind].name} ${target}] steps ${mp.steps.map((s) => `${s.floatLayers}: drop ${s.drop.toFixed(2)}${s.dropNoise === undefined ? '' : `±${s.dropNoise.toFixed(2)}`}, error ${s.error.toFixed(3)}±${s.errorNoise.toFixed(3)}`).join(' | ')}`);
        if (q.layerCosts) console.log(`[${MODELS[kind].name} ${target}] per float layer: ${q.layerCosts.layers.map((l) => `${l.name} +${l.ms.toFixed(2)} ms +${(l.bytes / 1e3).toFixed(0)} kB`).join('; ')}`);
        rows.push([
          MODELS[kind].name, target, (100 * r.map.fp32.box).toFixed(2), (100 * r.map.int8.box).toFixed(2), r.map.boxDrop.toFixed(2),
          r.map.maskDrop === undefined ? '-' : r.map.maskDrop.toFixed(2), r.budget.drop.toFixed(2), estimate, q.budget ? (q.budget.met ? 'met' : 'OVER BUDGET') : '-', String(status), r.verdict, String(q.floatLayers.length),
          r.latency.ratio.toFixed(3), separate ? separate.ratio.toFixed(3) : '-', r.sizeRatio.toFixed(3),
        ]);
        console.log(`[${MODELS[kind].name} ${target}] row | ${rows.at(-1).join(' | ')} |${separate ? ` separate ms fp32 ${separate.fp32Ms.toFixed(1)} int8 ${separate.int8Ms.toFixed(1)}` : ''}`);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  }
  table(
    `User's case: quantize --calib <coco128 ${split.first}..${split.last} (sorted images 0-63, no labels)> --max-drop 1.0, CLI defaults; judged on ${split.judgeFirst}..${split.judgeLast} (images 64-127, labels). mAP50-95 x100; latency int8/fp32 on this CPU`,
    ['model', 'target', 'box fp32', 'box int8', 'box drop', 'mask drop', 'report drop (verdict)', 'label-free estimate box / mask (images)', 'without --eval: budget on the estimate', 'exit', 'verdict', 'float layers', 'latency interleaved (report)', 'latency separate processes', 'size ratio'],
    rows,
  );
}

async function benchPtq() {
  const q = await import(new URL('quantize/index.js', DIST).href);
  const { loadModel } = await import(new URL('model.js', DIST).href);
  const files = sortedImages();
  const rows = [];
  for (const kind of models) {
    const dir = mkdtempSync(join(tmpdir(), 'yoloe-bench-ptq-'));
    try {
      const split = makeSplit(dir, kind);
      const data = await q.loadEvaluationData(split.yaml);
      const evalMap = async (path) => {
        const m = await loadModel(path, { backend: 'cpu' });
        try {
          return await q.evaluateModel(m, data);
        } finally {
          await m.dispose();
        }
      };
      const fp32 = await evalMap(MODELS[kind].file());
      for (const target of targets) {
        for (const [label, opts] of [['percentile 99.999', {}], ['percentile + bias correction', { biasCorrection: true }], ['mse', { method: 'mse' }], ['mse + bias correction', { method: 'mse', biasCorrection: true }]]) {
          const out = join(dir, 'q.onnx');
          await q.quantize({ onnx: MODELS[kind].file(), output: out, target, calibration: { images: files.slice(0, SPLIT) }, ...opts });
          const r = await evalMap(out);
          const box = 100 * (fp32.box.map - r.box.map);
          const mask = fp32.mask ? 100 * (fp32.mask.map - r.mask.map) : undefined;
          console.log(`[ptq ${MODELS[kind].name} ${target} ${label}] box drop ${box.toFixed(2)}${mask === undefined ? '' : `, mask drop ${mask.toFixed(2)}`}`);
          rows.push([MODELS[kind].name, target, label, box.toFixed(2), mask === undefined ? '-' : mask.toFixed(2)]);
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  table('PTQ corrections, every layer int8 (no mixed precision): calibrate on coco128 images 0-63, mAP50-95 drop (points) on images 64-127', ['model', 'target', 'ranges', 'box drop', 'mask drop'], rows);
}

function benchStability() {
  const rows = [];
  const stabilityTargets = process.env.BENCH_QUANTIZE_TARGETS ? targets : ['cpu'];
  for (const kind of models) {
    for (const target of stabilityTargets) {
      const dir = mkdtempSync(join(tmpdir(), 'yoloe-bench-stab-'));
      try {
        const split = makeSplit(dir, kind);
        const orders = [1, 2].map((seed) => {
          // --max-drop 0 makes the search rank every layer whatever the all-int8 drop
          const { json } = cli(['quantize', MODELS[kind].file(), '--calib', split.calib, '--target', target, '--seed', String(seed), '--max-drop', '0', '--out', join(dir, `q${seed}.onnx`), '--allow-over-budget', '--latency-runs', '3', '--json']);
          const s = json.quantize.mixedPrecision.sensitivities;
          console.log(`[stability ${MODELS[kind].name} ${target} seed ${seed}] ${s.slice(0, 8).map((l) => `${l.name} ${l.gain.toFixed(3)}±${l.noise.toFixed(3)}${l.significant ? '*' : ''}`).join(', ')}`);
          return s;
        });
        const significant = orders.map((o) => new Set(o.filter((l) => l.significant).map((l) => l.name)));
        for (const k of [1, 2, 4, 8]) {
          const [a, b] = orders.map((o) => new Set(o.slice(0, k).map((l) => l.name)));
          const overlap = [...a].filter((n) => b.has(n)).length;
          rows.push([MODELS[kind].name, target, String(k), `${overlap}/${k}`, `${significant[0].size} / ${significant[1].size}`, [...a].join(' '), [...b].join(' ')]);
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  }
  table('Sensitivity order for seeds 1 and 2 of the held-out split (images 0-63): top-k overlap (significant: gain > its bootstrap noise, among the 16 listed)', ['model', 'target', 'k', 'overlap', 'significant (seed 1 / 2)', 'seed 1', 'seed 2'], rows);
}

async function benchEstimate() {
  const q = await import(new URL('quantize/index.js', DIST).href);
  const { loadModel } = await import(new URL('model.js', DIST).href);
  const { decodeImage } = await import(new URL('image/decode.js', DIST).href);
  const { evaluateCoco } = await import(new URL('eval/index.js', DIST).href);
  const files = sortedImages();
  const coco = await q.loadEvaluationData(fixture('coco128', 'annotations', 'instances_train2017.json'));
  const idOf = new Map([...coco.imagePaths].map(([id, p]) => [basename(p), id]));
  const sets = { 'images 64-127': files.slice(SPLIT), 'images 48-63 (held out)': files.slice(48, SPLIT), 'images 0-63 (all calibration)': files.slice(0, SPLIT) };
  const fmt = (e) => `${e.drop.toFixed(2)} ± ${e.noise.toFixed(2)}`;
  const rows = [];
  for (const kind of models) {
    const masks = kind === 'seg';
    const val = { conf: 0.001, iou: 0.7, maxDet: 300, multiLabel: true, masks, dropEmptyMasks: false };
    const labelled = (results, ids) => {
      const dets = results.flatMap((r, i) => q.toCocoDetections(r, ids[i], coco.classToCategory, masks));
      return (masks ? ['bbox', 'segm'] : ['bbox']).map((t) => evaluateCoco(coco.gt, dets, t, { imageIds: ids }).stats[0]);
    };
    const fp32 = await loadModel(MODELS[kind].file(), { backend: 'cpu' });
    const nc = fp32.info.layout.nc;
    const reference = {};
    for (const [name, list] of Object.entries(sets)) {
      const images = await Promise.all(list.map((f) => decodeImage(f)));
      const preds = await fp32.detectDecoded(images, val);
      reference[name] = { images, ids: list.map((f) => idOf.get(basename(f))), preds, mirrored: await q.mirroredDetections(fp32, images, 0.25, masks), own: await fp32.detectDecoded(images, { conf: 0.25 }) };
      reference[name].map = labelled(preds, reference[name].ids);
    }
    await fp32.dispose();
    for (const target of targets) {
      const dir = mkdtempSync(join(tmpdir(), 'yoloe-bench-est-'));
      try {
        const out = join(dir, 'q.onnx');
        await q.quantize({ onnx: MODELS[kind].file(), output: out, target, calibration: { images: files.slice(0, SPLIT) } });
        const int8 = await loadModel(out, { backend: 'cpu' });
        for (const [name, ref] of Object.entries(reference)) {
          const preds = await int8.detectDecoded(ref.images, val);
          const map = labelled(preds, ref.ids);
          const drop = map.map((v, k) => (100 * (ref.map[k] - v)).toFixed(2)).join(' / ');
          const e25 = q.mirrorEstimator(ref.preds, ref.mirrored, nc, { masks }).estimate(preds);
          const high = ref.mirrored.map((r) => ({ ...r, detections: r.detections.filter((d) => d.score > 0.5) }));
          const e50 = q.mirrorEstimator(ref.preds, high, nc, { masks }).estimate(preds);
          const agreement = q.mirrorEstimator(ref.preds, ref.own, nc).estimate(preds);
          const both = (e) => `${fmt(e.box)}${e.mask ? ` / ${fmt(e.mask)}` : ''}`;
          rows.push([MODELS[kind].name, target, name, drop, both(e25), both(e50), fmt(agreement.box), e25.box.fp32Ap.toFixed(1)]);
          console.log(`[estimate ${rows.at(-1).join(' | ')}]`);
        }
        await int8.dispose();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  }
  table(
    'Label-free drop estimates against the labelled drop on the same coco128 images (every layer int8, calibrated on images 0-63; mAP50-95 points, box / mask; +- paired bootstrap s.e. over images)',
    ['model', 'target', 'images', 'labelled drop', 'mirror estimate, pseudo > 0.25 (default)', 'mirror, pseudo > 0.5', 'agreement proxy (old)', 'fp32 box AP vs mirror pseudo'],
    rows,
  );
}

export async function benchQuantize() {
  if (parts.includes('ptq')) await benchPtq();
  if (parts.includes('user')) benchUser();
  if (parts.includes('stability')) benchStability();
  if (parts.includes('estimate')) await benchEstimate();
}

if (import.meta.url === `file://${process.argv[1]}`) await benchQuantize();
