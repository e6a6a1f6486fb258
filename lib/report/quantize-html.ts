/**
 * `quantize --report DIR`: one self-contained HTML page (inline SVG) with what a user trades:
 * FP32 vs INT8 PR curves, per-layer sensitivity with the latency and size each float layer
 * costs, the mixed-precision steps, and the score-compression histogram. The numbers behind
 * every chart are embedded as JSON (script#report-data).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { QuantizeResult } from '../quantize/qdq.js';
import { formatQuantizationReport, type QuantizationReport } from '../quantize/report.js';
import { SCORE_BINS } from '../quantize/agreement.js';
import { prSeries } from './eval-plots.js';
import { barChart, esc, lineChart } from './svg-charts.js';
import { writeFileAtomicSync } from '../fs/atomic-write.js';

function table(header: string[], rows: (string | number)[][]): string {
  return `<table><tr>${header.map((h) => `<th>${esc(h)}</th>`).join('')}</tr>${rows.map((r) => `<tr>${r.map((c) => `<td>${esc(String(c))}</td>`).join('')}</tr>`).join('')}</table>`;
}

/** The numbers the page draws. */
export function reportData(report: QuantizationReport, result?: QuantizeResult) {
  const mp = result?.mixedPrecision;
  const latency = new Map((result?.layerCosts?.layers ?? []).map((l) => [l.name, l.ms]));
  return {
    verdict: report.verdict,
    reasons: report.reasons,
    sizeRatio: report.sizeRatio,
    latencyRatio: report.latency.ratio,
    map: report.map
      ? {
          boxDrop: report.map.boxDrop,
          maskDrop: report.map.maskDrop,
          box: { fp32: report.map.fp32.box.prCurve, int8: report.map.int8.box.prCurve },
          mask: report.map.fp32.mask ? { fp32: report.map.fp32.mask.prCurve, int8: report.map.int8.mask!.prCurve } : undefined,
        }
      : undefined,
    scoreHistogram: report.check.raw.scoreHistogram,
    layers: (mp?.sensitivities ?? []).map((s) => ({ ...s, float: result!.floatLayers.includes(s.name), latencyMs: latency.get(s.name) })),
    steps: mp?.steps ?? [],
    budget: report.budget,
  };
}

/** Writes DIR/report.html; returns its path. */
export function writeQuantizationHtml(dir: string, report: QuantizationReport, result?: QuantizeResult): string {
  mkdirSync(dir, { recursive: true });
  const data = reportData(report, result);
  const parts: string[] = [];
  parts.push(`<h1>INT8 report: ${esc(report.int8.path)}</h1><pre>${esc(formatQuantizationReport(report))}</pre>`);
  if (data.map) {
    parts.push('<h2>Precision-recall, FP32 vs INT8 (IoU 0.50, all classes)</h2>');
    for (const kind of ['box', 'mask'] as const) {
      const c = data.map[kind];
      if (!c?.fp32 || !c.int8) continue;
      parts.push(lineChart(`${kind === 'box' ? 'Box' : 'Mask'} PR (drop ${(kind === 'box' ? data.map.boxDrop : data.map.maskDrop ?? 0).toFixed(2)} mAP50-95 points)`, 'Recall', 'Precision', [prSeries('FP32', c.fp32), prSeries('INT8', c.int8)]));
    }
  } else parts.push('<p>No PR curves: run with --eval DATA to evaluate both models.</p>');
  if (data.layers.length > 0) {
    const top = data.layers.slice(0, 24);
    parts.push('<h2>Per-layer sensitivity (head output error removed by keeping the layer float, fraction of the all-int8 error, +-1 bootstrap s.e.)</h2>');
    parts.push(barChart('Sensitivity of the 24 most sensitive layers', 'rank (names in the table)', 'gain', top.map((_, i) => String(i + 1)), [{ label: 'gain', values: top.map((l) => l.gain) }], { errors: [top.map((l) => l.noise)] }));
    parts.push(
      table(
        ['rank', 'layer', 'gain', 'noise (s.e.)', 'above its noise (candidate)', 'kept float', 'size cost if float (kB)', 'latency cost if float (ms, measured for float layers)'],
        data.layers.map((l, i) => [i + 1, l.name, l.gain.toFixed(4), l.noise.toFixed(4), l.significant ? 'yes' : 'no', l.float ? 'yes' : '', l.floatBytes !== undefined ? (l.floatBytes / 1e3).toFixed(1) : '-', l.latencyMs !== undefined ? l.latencyMs.toFixed(2) : '-']),
      ),
    );
  } else parts.push('<p>No per-layer sensitivity: the all-int8 model met the budget (or no --max-drop), so no layer was ranked.</p>');
  if (data.steps.length > 0) {
    parts.push('<h2>Mixed-precision steps (most sensitive k layers float)</h2>');
    const measured = result?.mixedPrecision?.measure === 'mirror-estimate' ? 'label-free estimate' : 'labelled';
    parts.push(
      table(
        ['k', `held-out drop (points, ${measured}, +- bootstrap s.e.)`, 'predicted from the head error (label-free search)', 'agreement proxy (information only)', 'head error (1 = all int8)', 'noise'],
        data.steps.map((s) => [
          s.floatLayers,
          `${s.drop.toFixed(2)}${s.dropNoise !== undefined ? ` ± ${s.dropNoise.toFixed(2)}` : ''}`,
          s.predictedDrop !== undefined ? `${s.predictedDrop.toFixed(2)} ± ${(s.predictedNoise ?? 0).toFixed(2)}` : '-',
          s.agreementDrop !== undefined ? s.agreementDrop.toFixed(2) : '-',
          s.error.toFixed(3),
          s.errorNoise.toFixed(3),
        ]),
      ),
    );
  }
  const bins = Array.from({ length: SCORE_BINS }, (_, b) => (b / SCORE_BINS).toFixed(2));
  parts.push('<h2>Score compression: anchors by best class score</h2>');
  parts.push(barChart(`Anchors per score bin on ${report.check.images} image(s) (above 0.5: fp32 ${report.scoreCompression.fp32AboveHalf}, int8 ${report.scoreCompression.int8AboveHalf})`, 'best class score (bin start)', 'anchors', bins.slice(1), [
    { label: 'FP32', values: data.scoreHistogram.fp32.slice(1) },
    { label: 'INT8', values: data.scoreHistogram.int8.slice(1) },
  ]));
  const json = JSON.stringify(data).replace(/</g, '\\u003c');
  const html = `<!doctype html><html><head><meta charset="utf-8"><title>INT8 report</title><style>body{font-family:sans-serif;max-width:1100px;margin:auto}table{border-collapse:collapse;font-size:12px}td,th{border:1px solid #ccc;padding:2px 6px}svg{display:block;margin:8px 0}</style></head><body>${parts.join('\n')}<script type="application/json" id="report-data">${json}</script></body></html>\n`;
  const path = join(dir, 'report.html');
  writeFileAtomicSync(path, html);
  return path;
}
