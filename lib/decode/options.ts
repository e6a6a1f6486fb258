import type { DecodeOptions } from '../types.js';
import { optBoolean, optIntegerList, optNumber, optObject } from '../validate.js';

/** Ultralytics' post-processing defaults (`predict`: conf 0.25, iou 0.7, max_det 300, max_nms 30000). */
export const DEFAULT_DECODE_OPTIONS: Readonly<DecodeOptions> = Object.freeze({
  conf: 0.25,
  iou: 0.7,
  maxDet: 300,
  maxNms: 30000,
  agnostic: false,
  multiLabel: false,
});

/** The keys resolveDecodeOptions reads; detect() adds its own to this list for its unknown-key check. */
export const DECODE_OPTION_KEYS = ['conf', 'iou', 'maxDet', 'maxNms', 'classes', 'agnostic', 'multiLabel'] as const;

/**
 * The most candidates that may enter NMS (`maxNms`'s upper bound, 8.7x Ultralytics' default):
 * the scan keeps the best min(maxNms, found) of them in a bounded store (lib/decode/candidates.ts
 * TopCandidates, 12 bytes each; the native twin 16), so a decode holds at most ~32 MB of
 * candidates (store, Candidate objects, NMS arrays) at this cap and ~3.7 MB at the default
 * 30000, plus 12 bytes per anchor, whatever conf and multiLabel let through (a 4,585-class x
 * 8,400-anchor head at conf 0 with multiLabel offers 38.5 M).
 */
export const MAX_NMS_CANDIDATES = 1 << 18;

/**
 * Validates the decoding options a caller passed and fills in the defaults. Unknown keys are
 * ignored here (the same object carries other detect() options; detect() rejects unknown ones).
 *
 * - `conf` (default 0.25): a number in [0, 1]; candidates need a score strictly above it.
 * - `iou` (default 0.7): a number in [0, 1]; NMS suppresses IoU strictly above it.
 * - `maxDet` (default 300): an integer >= 1.
 * - `maxNms` (default 30000): an integer in [1, MAX_NMS_CANDIDATES = 262,144], candidates entering NMS.
 * - `agnostic` (default false), `multiLabel` (default false): booleans.
 * - `classes` (default all): an array of class ids (integers >= 0).
 *
 * @throws YoloeTrtError ERR_INVALID_OPTION "Expected <what> for <option> but received <value>"
 * @example resolveDecodeOptions({ conf: 0.5, classes: [0] }) // { conf: 0.5, iou: 0.7, ..., classes: [0] }
 */
export function resolveDecodeOptions(user: unknown): DecodeOptions {
  const o = optObject('options', user);
  const resolved: DecodeOptions = {
    conf: optNumber('conf', o.conf, DEFAULT_DECODE_OPTIONS.conf, 0, 1),
    iou: optNumber('iou', o.iou, DEFAULT_DECODE_OPTIONS.iou, 0, 1),
    maxDet: optNumber('maxDet', o.maxDet, DEFAULT_DECODE_OPTIONS.maxDet, 1, Number.MAX_SAFE_INTEGER, { integer: true }),
    maxNms: optNumber('maxNms', o.maxNms, DEFAULT_DECODE_OPTIONS.maxNms, 1, MAX_NMS_CANDIDATES, { integer: true }),
    agnostic: optBoolean('agnostic', o.agnostic, DEFAULT_DECODE_OPTIONS.agnostic),
    multiLabel: optBoolean('multiLabel', o.multiLabel, DEFAULT_DECODE_OPTIONS.multiLabel),
  };
  const classes = optIntegerList('classes', o.classes, 0, 2 ** 31 - 1);
  if (classes !== undefined) resolved.classes = [...classes];
  return resolved;
}
