/**
 * COCOeval.summarize: the standard 12 numbers and pycocotools' exact printed table.
 */
import type { Accumulated } from './accumulate.js';
import { formatFixed3, numpyMean } from './numpy-compat.js';

export const AREA_LABELS = ['all', 'small', 'medium', 'large'] as const;
export type AreaLabel = (typeof AREA_LABELS)[number];

interface SummaryLine {
  ap: boolean;
  iouThr?: number;
  area: AreaLabel;
  maxDets: number;
}

/** The 12 lines in pycocotools' order: AP, AP50, AP75, APs, APm, APl, AR1, AR10, AR100, ARs, ARm, ARl. */
const LINES: SummaryLine[] = [
  { ap: true, area: 'all', maxDets: 100 },
  { ap: true, iouThr: 0.5, area: 'all', maxDets: 100 },
  { ap: true, iouThr: 0.75, area: 'all', maxDets: 100 },
  { ap: true, area: 'small', maxDets: 100 },
  { ap: true, area: 'medium', maxDets: 100 },
  { ap: true, area: 'large', maxDets: 100 },
  { ap: false, area: 'all', maxDets: 1 },
  { ap: false, area: 'all', maxDets: 10 },
  { ap: false, area: 'all', maxDets: 100 },
  { ap: false, area: 'small', maxDets: 100 },
  { ap: false, area: 'medium', maxDets: 100 },
  { ap: false, area: 'large', maxDets: 100 },
];

/**
 * Mean of the defined (> -1) entries of precision (AP) or recall (AR) at the given threshold,
 * area and maxDets, over thresholds, recall points and categories in numpy's C order; -1 when none.
 */
function summarizeOne(acc: Accumulated, line: SummaryLine, iouThresholds: Float64Array, maxDets: readonly number[], categories?: number[]): number {
  const { T, R, K, A, M } = acc.dims;
  const a = AREA_LABELS.indexOf(line.area);
  const m = maxDets.indexOf(line.maxDets);
  if (a < 0 || a >= A || m < 0) return -1;
  const ts: number[] = [];
  for (let t = 0; t < T; t++) if (line.iouThr === undefined || iouThresholds[t] === line.iouThr) ts.push(t);
  const ks = categories ?? Array.from({ length: K }, (_, k) => k);
  const values: number[] = [];
  for (const t of ts) {
    if (line.ap) {
      for (let r = 0; r < R; r++) {
        for (const k of ks) {
          const v = acc.precision[(((t * R + r) * K + k) * A + a) * M + m]!;
          if (v > -1) values.push(v);
        }
      }
    } else {
      for (const k of ks) {
        const v = acc.recall[((t * K + k) * A + a) * M + m]!;
        if (v > -1) values.push(v);
      }
    }
  }
  return values.length === 0 ? -1 : numpyMean(values);
}

export function summarize(acc: Accumulated, iouThresholds: Float64Array, maxDets: readonly number[]): number[] {
  return LINES.map((line) => summarizeOne(acc, line, iouThresholds, maxDets));
}

/** AP (0.50:0.95) and AP50 over every category (stats[0] and stats[1]), -1 where nothing has ground truth. */
export function summarizeAp(acc: Accumulated, iouThresholds: Float64Array, maxDets: readonly number[]): { map: number; map50: number } {
  return { map: summarizeOne(acc, LINES[0]!, iouThresholds, maxDets), map50: summarizeOne(acc, LINES[1]!, iouThresholds, maxDets) };
}

/** AP (0.50:0.95) and AP50 of one category index, -1 where it has no ground truth. */
export function summarizeCategory(acc: Accumulated, k: number, iouThresholds: Float64Array, maxDets: readonly number[]): { ap: number; ap50: number } {
  return {
    ap: summarizeOne(acc, LINES[0]!, iouThresholds, maxDets, [k]),
    ap50: summarizeOne(acc, LINES[1]!, iouThresholds, maxDets, [k]),
  };
}

/** pycocotools' 12-line summary, character for character (no trailing newline). */
export function formatCocoTable(stats: readonly number[]): string {
  return LINES.map((line, i) => {
    const title = (line.ap ? 'Average Precision' : 'Average Recall').padEnd(18);
    const kind = line.ap ? '(AP)' : '(AR)';
    const iou = (line.iouThr === undefined ? '0.50:0.95' : line.iouThr.toFixed(2)).padEnd(9);
    const area = line.area.padStart(6);
    const dets = String(line.maxDets).padStart(3);
    return ` ${title} ${kind} @[ IoU=${iou} | area=${area} | maxDets=${dets} ] = ${formatFixed3(stats[i] ?? -1)}`;
  }).join('\n');
}
