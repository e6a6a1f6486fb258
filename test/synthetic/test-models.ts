/**
 * The set of synthetic head models the project tests against (written by
 * writeSyntheticTestModels, or generated in memory by tests): one per YOLOE layout with
 * no real checkpoint here, with known content.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { endToEndHeadSpec, makeSyntheticHeadModel, type EndToEndRow, type HotScore, type SyntheticHeadSpec } from './generate.js';
import { formatUltralyticsMetadata } from '../../lib/onnx/metadata.js';

/** Detections planted in the end-to-end models (network-input pixels, 640 x 640). */
export const E2E_ROWS: EndToEndRow[] = [
  { box: [48, 240, 218, 620], score: 0.92, classId: 0 },
  { box: [20, 230, 630, 470], score: 0.88, classId: 5 },
  { box: [260.5, 300.25, 330, 520], score: 0.5, classId: 27 },
  { box: [500, 10, 600, 80], score: 0.25, classId: 9 }, // exactly conf 0.25: not kept (strict >)
];

/** Scores planted in the prompt-free head (anchors of the 8400 at 640). */
export const PROMPT_FREE_HOT: HotScore[] = [
  { anchor: 120, classId: 0, score: 0.93 },
  { anchor: 5000, classId: 4584, score: 0.81 },
  { anchor: 7777, classId: 1234, score: 0.55 },
  { anchor: 7777, classId: 1235, score: 0.45 },
  { anchor: 8399, classId: 42, score: 0.3 },
];

export const PROMPT_FREE_CLASSES = 4585;

/** The named specs of the test model set. */
export function syntheticTestModelSpecs(): Record<string, SyntheticHeadSpec> {
  const names = Array.from({ length: PROMPT_FREE_CLASSES }, (_, i) => `class${i}`);
  return {
    'yolo26-e2e-det-640': endToEndHeadSpec({ rows: E2E_ROWS }),
    'yoloe26-e2e-seg-640': endToEndHeadSpec({ rows: E2E_ROWS, nm: 32 }),
    'yolo-nms-seg-640': endToEndHeadSpec({ rows: E2E_ROWS, nm: 32, exportKind: 'nms' }),
    'yoloe-pf-seg-4585-640': {
      kind: 'raw',
      nc: PROMPT_FREE_CLASSES,
      nm: 32,
      protos: true,
      hot: PROMPT_FREE_HOT,
      metadata: formatUltralyticsMetadata({ names, imgsz: [640, 640], task: 'segment' }),
    },
  };
}

/**
 * Writes every synthetic test model as `<name>.onnx` into outDir; returns the paths.
 * @example writeSyntheticTestModels('test/models')
 */
export function writeSyntheticTestModels(outDir: string): string[] {
  mkdirSync(outDir, { recursive: true });
  return Object.entries(syntheticTestModelSpecs()).map(([name, spec]) => {
    const path = join(outDir, `${name}.onnx`);
    writeFileSync(path, makeSyntheticHeadModel(spec));
    return path;
  });
}
