/**
 * What the budget is judged on: with labels for the judged images (an evaluation) the labelled
 * drop is the verdict and the headline, and the label-free held-out estimate is information;
 * without them the estimate is judged. Text and JSON carry the same drop.
 */
import { describe, expect, it } from 'vitest';
import type { HeldOutEstimate } from '../lib/quantize/held-out-estimate.js';
import { writtenModelBudget } from '../lib/quantize/qdq.js';
import { formatQuantizationReport, judgeBudget, type QuantizationReport, type ReportBudget } from '../lib/quantize/report.js';
import type { MixedPrecisionResult } from '../lib/quantize/sensitivity.js';

/** A report as quantizationReport() returns it, with the numbers a budget reads set by hand. */
function report(map?: { boxDrop: number; maskDrop?: number }): QuantizationReport {
  const ap = (v: number) => ({ box: { map: v }, ...(map?.maskDrop !== undefined ? { mask: { map: v } } : {}) });
  return {
    verdict: 'ok',
    reasons: [],
    fp32: { path: 'a.onnx', bytes: 12e6 },
    int8: { path: 'b.onnx', bytes: 4e6 },
    sizeRatio: 1 / 3,
    latency: { fp32Ms: 30, int8Ms: 15, ratio: 0.5, runs: 3 },
    check: { verdict: 'ok', reasons: [], images: 16, agreement: { fp32Detections: 10, int8Detections: 10, matched: 9, kept: 0.9, keptConfident: 1, meanScoreDiff: 0.02, meanScoreBias: -0.01, meanIou: 0.95 }, raw: {} as never },
    scoreCompression: { fp32AboveHalf: 100, int8AboveHalf: 95, ratio: 0.95 },
    ...(map ? { map: { images: 64, fp32: ap(0.43) as never, int8: ap(0.42) as never, ...map } } : {}),
  };
}

const estimate: ReportBudget = { maxDrop: 1, calibrationDrop: 3.23, calibrationNoise: 0.8, measure: 'mirror-estimate', calibrationImages: 64 };

describe('judging the budget', () => {
  it('with an evaluation, the labelled drop is the verdict and the headline; the estimate is information only', () => {
    const r = report({ boxDrop: 0.18 });
    judgeBudget(r, estimate);
    expect(r.verdict).toBe('ok');
    expect(r.budget).toMatchObject({ met: true, drop: 0.18, judgedOn: 'evaluation', calibrationDrop: 3.23, calibrationNoise: 0.8 });
    const text = formatQuantizationReport(r);
    expect(text).toMatch(/^budget: max-drop 1\.00 points met: drop 0\.18 points \(labelled mAP50-95 on 64 evaluation images\)$/m);
    expect(text).toMatch(/^ {2}estimated drop 3\.23 ± 0\.80 points on 64 calibration images \(label-free.*\): information only, not judged$/m);
    expect(JSON.parse(JSON.stringify(r)).budget.drop).toBe(0.18);
  });

  it('with an evaluation, a segmenter is held to the larger of its box and mask drops', () => {
    const r = report({ boxDrop: 0.36, maskDrop: 1.4 });
    judgeBudget(r, { ...estimate, calibrationDrop: 0.2 });
    expect(r.verdict).toBe('over-budget');
    expect(r.budget).toMatchObject({ met: false, drop: 1.4, judgedOn: 'evaluation' });
    expect(r.reasons).toEqual(['mask mAP drop 1.40 > max-drop 1.00 points on 64 evaluation images']);
    expect(formatQuantizationReport(r)).toMatch(/^verdict: OVER BUDGET \(mask mAP drop 1\.40 > max-drop 1\.00 points on 64 evaluation images\)$/m);
  });

  it('without an evaluation, the held-out estimate is judged and is the headline', () => {
    const over = report();
    judgeBudget(over, estimate);
    expect(over.verdict).toBe('over-budget');
    expect(over.budget).toMatchObject({ met: false, drop: 3.23, judgedOn: 'calibration' });
    expect(over.reasons[0]).toMatch(/^estimated drop 3\.23 ± 0\.80 points on 64 calibration images \(label-free.*\) > max-drop 1\.00 points$/);
    const within = report();
    judgeBudget(within, { ...estimate, calibrationDrop: 0.4 });
    expect(within.verdict).toBe('ok');
    expect(formatQuantizationReport(within)).toMatch(/^budget: max-drop 1\.00 points met: estimated drop 0\.40 ± 0\.80 points on 64 calibration images/m);
  });

  it('without an evaluation, after a search the predicted drop is judged and the model\'s own estimate is shown beside it', () => {
    const r = report();
    judgeBudget(r, { ...estimate, calibrationDrop: 0.6, calibrationNoise: 0.39, predicted: { slope: 1.25, margin: true, estimate: 0.9, estimateNoise: 0.71 } });
    expect(r.verdict).toBe('ok');
    expect(r.budget).toMatchObject({ met: true, drop: 0.6, judgedOn: 'calibration' });
    expect(formatQuantizationReport(r)).toMatch(/^budget: max-drop 1\.00 points met: predicted drop 0\.60 ± 0\.39 points on 64 calibration images \(head error x 1\.25 points, fitted on the label-free estimates; fits with one noise to spare; this model's own estimate 0\.90 ± 0\.71\)/m);
    const over = report();
    judgeBudget(over, { ...estimate, calibrationDrop: 1.2, calibrationNoise: 0.5, predicted: { slope: 1.6, margin: false, estimate: 0.4, estimateNoise: 0.9 } });
    // the prediction is judged, not the lucky estimate
    expect(over.verdict).toBe('over-budget');
    expect(over.reasons[0]).toMatch(/^predicted drop 1\.20 ± 0\.50 points .*own estimate 0\.40 ± 0\.90\) > max-drop 1\.00 points$/);
  });

  it('a collapsed verdict stays collapsed when the budget is missed too', () => {
    const r = report({ boxDrop: 30 });
    r.verdict = 'collapsed';
    judgeBudget(r, { maxDrop: 1 });
    expect(r.verdict).toBe('collapsed');
    expect(r.budget!.met).toBe(false);
  });
});

describe("quantize()'s budget for the written model", () => {
  const estimate = (drop: number): HeldOutEstimate => ({ box: { drop, noise: 0.5, fp32Ap: 80, int8Ap: 80 - drop }, drop, noise: 0.5, images: 64, pseudoObjects: 300 });

  it('label-free: the search\'s estimate of the written model on every calibration image, with its noise and parts', () => {
    const search = { measure: 'mirror-estimate', heldOutImages: 64, finalDrop: 1.5, finalNoise: 0.5, estimate: estimate(1.5), met: false } as MixedPrecisionResult;
    expect(writtenModelBudget(1, search, 16)).toEqual({ maxDrop: 1, drop: 1.5, noise: 0.5, estimate: estimate(1.5), measure: 'mirror-estimate', images: 64, heldOutImages: 16, met: false });
  });

  it('label-free after a search: the predicted drop, and how it was predicted', () => {
    const search = { measure: 'mirror-estimate', heldOutImages: 64, finalDrop: 0.6, finalNoise: 0.39, estimate: estimate(0.9), slope: 1.25, margin: true, met: true } as MixedPrecisionResult;
    expect(writtenModelBudget(1, search, 16)).toEqual({ maxDrop: 1, drop: 0.6, noise: 0.39, estimate: estimate(0.9), measure: 'mirror-estimate', images: 64, heldOutImages: 16, predicted: { slope: 1.25, margin: true }, met: true });
  });

  it('with labels: the search\'s labelled held-out drop', () => {
    const search = { measure: 'map', heldOutImages: 16, finalDrop: 0.7, met: true } as MixedPrecisionResult;
    expect(writtenModelBudget(1, search, 16)).toEqual({ maxDrop: 1, measure: 'map', drop: 0.7, images: 16, heldOutImages: 16, met: true });
  });
});
