import { YoloeTrtError } from '../errors.js';
import type { HeadLayout, TensorInfo } from '../types.js';

/** What the model's metadata says about its head, when it says anything. */
export interface LayoutHints {
  /** number of classes (overrides namesCount) */
  nc?: number;
  task?: 'detect' | 'segment';
  /** length of the metadata `names` list */
  namesCount?: number;
  /** Ultralytics metadata `end2end: True` or `nms: True`: rows are x1, y1, x2, y2, score, class, coeffs */
  end2end?: boolean;
}

const SUPPORTED =
  'supported layouts: raw [B, 4+nc+nm, N] or transposed [B, N, 4+nc+nm] with optional protos [B, nm, H/4, W/4]; ' +
  'end-to-end / nms=True [B, K, 6+nm]';

/** A dim as a number when static and positive, else undefined (dynamic: a string or -1). */
function known(d: number | string | undefined): number | undefined {
  return typeof d === 'number' && Number.isInteger(d) && d > 0 ? d : undefined;
}

function describeOutputs(outputs: TensorInfo[]): string {
  if (outputs.length === 0) return 'no outputs';
  return outputs.map((o) => `${o.name} [${o.dims.map((d) => (typeof d === 'string' ? JSON.stringify(d) : String(d))).join(', ')}]`).join(', ');
}

function layoutError(outputs: TensorInfo[], why: string): YoloeTrtError {
  return new YoloeTrtError('ERR_MODEL_LAYOUT', `Model outputs match no known YOLO head layout (${why}): ${describeOutputs(outputs)}; ${SUPPORTED}`, {
    outputs: outputs.map((o) => ({ name: o.name, dims: o.dims })),
  });
}

type Interpretation = HeadLayout & { preference: number };

/**
 * Every reading of one rank-3 head consistent with its known dims and the hints, most likely first.
 * Dynamic dims are unknown: a raw head needs its channel dim known, an end-to-end head its column dim.
 */
function interpretHead(head: TensorInfo, nm: number, nc: number | undefined, end2end: boolean | undefined, protos?: string): Interpretation[] {
  const d1 = known(head.dims[1]);
  const d2 = known(head.dims[2]);
  const found: Interpretation[] = [];
  const rawFits = (channels: number | undefined): channels is number =>
    channels !== undefined && channels - 4 - nm >= 1 && (nc === undefined || channels === 4 + nc + nm);
  if (end2end !== false && d2 === 6 + nm) {
    // Transposed raw heads are rare in exports while end-to-end heads are common: prefer e2e when both fit.
    found.push({ kind: 'end2end', output: head.name, nm, maxDet: d1 ?? -1, protos, preference: 3 });
  }
  if (end2end !== true) {
    // Anchors usually outnumber channels, which orders the two raw orientations when nc is unknown.
    if (rawFits(d1)) {
      const anchors = d2 ?? -1;
      found.push({ kind: 'raw', output: head.name, nc: d1 - 4 - nm, nm, anchors, transposed: false, protos, preference: d2 === undefined || d2 >= d1 ? 2 : 0 });
    }
    if (rawFits(d2)) {
      const anchors = d1 ?? -1;
      found.push({ kind: 'raw', output: head.name, nc: d2 - 4 - nm, nm, anchors, transposed: true, protos, preference: d1 === undefined || d1 > d2 ? 1 : -1 });
    }
  }
  return found.sort((a, b) => b.preference - a.preference);
}

/**
 * Recognises the YOLO head among a model's outputs.
 *
 * - raw `[B, 4+nc+nm, N]` (or transposed `[B, N, 4+nc+nm]`), nm = 0 without protos;
 * - end-to-end / `nms=True` `[B, K, 6+nm]`;
 * - protos: a rank-4 output `[B, nm, ph, pw]`, nm static.
 *
 * `hints.nc` (or `hints.namesCount`) pins the channel count; `hints.end2end` (from the
 * Ultralytics metadata `end2end` / `nms` flags) settles an end-to-end vs transposed-raw tie.
 * Dynamic dims become -1 in `anchors` / `maxDet`; the decoder reads the real ones from the tensor.
 *
 * @throws YoloeTrtError ERR_MODEL_LAYOUT naming the outputs, their shapes and the supported layouts.
 * @example detectLayout([{ name: 'output0', dtype: 'float32', dims: [1, 84, 8400] }], { namesCount: 80 })
 *   // { kind: 'raw', output: 'output0', nc: 80, nm: 0, anchors: 8400, transposed: false }
 */
export function detectLayout(outputs: TensorInfo[], hints: LayoutHints = {}): HeadLayout {
  const heads = outputs.filter((o) => o.dims.length === 3);
  const protoOutputs = outputs.filter((o) => o.dims.length === 4);
  if (heads.length === 0) throw layoutError(outputs, 'no rank-3 head output');
  if (protoOutputs.length > 1) throw layoutError(outputs, 'more than one rank-4 (protos) output');
  const protos = protoOutputs[0];
  let nm = 0;
  if (protos) {
    const d = known(protos.dims[1]);
    if (d === undefined) throw layoutError(outputs, `the protos output ${protos.name} has no static mask dim`);
    nm = d;
  } else if (hints.task === 'segment') {
    throw layoutError(outputs, 'a segmentation model needs a protos output [B, nm, H/4, W/4]');
  }
  const ncHint = hints.nc ?? hints.namesCount;
  const nc = ncHint !== undefined && Number.isInteger(ncHint) && ncHint > 0 ? ncHint : undefined;

  for (const head of heads) {
    let found = interpretHead(head, nm, nc, hints.end2end, protos?.name);
    // Metadata can be stale (a names list for another head); a layout that fits the shape alone beats none.
    if (found.length === 0 && nc !== undefined && hints.nc === undefined) found = interpretHead(head, nm, undefined, hints.end2end, protos?.name);
    const best = found[0];
    if (best) {
      const { preference: _unused, ...layout } = best;
      if (layout.protos === undefined) delete layout.protos;
      return layout;
    }
  }
  const expect = nc !== undefined ? ` with nc = ${nc}, nm = ${nm}` : ` with nm = ${nm}`;
  throw layoutError(outputs, `no head output fits${expect}${hints.end2end !== undefined ? `, end2end = ${hints.end2end}` : ''}`);
}
