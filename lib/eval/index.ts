/** COCO evaluation: box and mask AP exactly as pycocotools, and the loaders for ground truth. */
export { evaluateCoco, evaluateCocoImages, formatCocoTable, IOU_THRESHOLDS, RECALL_THRESHOLDS, type CocoEvalOptions, type CocoEvalResult, type ImageSetAp, type CategoryAp } from './cocoeval.js';
export { loadCocoJson, loadYoloDataset, loadGroundTruth, COCO80_CATEGORY_IDS, type GroundTruthDataset } from './dataset.js';
export { rleFromMask, rleArea, rleToBbox, polygonToRle, segmentationToRle, mergeRles } from './mask-ops.js';
export { compressRle, decompressRle } from './rle-codec.js';
export type * from './types.js';
