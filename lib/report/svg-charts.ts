/**
 * Small SVG charts for the eval plots and the quantization report: line charts (PR curves),
 * a heat map (confusion matrix), grouped bars (histograms, per-layer costs). Plain SVG, so sharp
 * renders them to PNG without a browser or a canvas binary, and HTML embeds them inline.
 */

export interface Series {
  label: string;
  x: number[];
  y: number[];
  color?: string;
}

const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b'];
const W = 640;
const H = 480;
const M = { left: 64, right: 24, top: 40, bottom: 56 };

/** XML / HTML text escape. */
export const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const num = (x: number) => (Number.isFinite(x) ? Number(x.toFixed(2)) : 0);

function frame(title: string, xLabel: string, yLabel: string, body: string, width = W, height = H): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">` +
    `<rect width="${width}" height="${height}" fill="#ffffff"/>` +
    `<text x="${width / 2}" y="24" font-family="sans-serif" font-size="16" text-anchor="middle">${esc(title)}</text>` +
    `<text x="${width / 2}" y="${height - 12}" font-family="sans-serif" font-size="13" text-anchor="middle">${esc(xLabel)}</text>` +
    `<text x="16" y="${height / 2}" font-family="sans-serif" font-size="13" text-anchor="middle" transform="rotate(-90 16 ${height / 2})">${esc(yLabel)}</text>` +
    body +
    '</svg>'
  );
}

function axes(x0: number, x1: number, y0: number, y1: number, xTicks = true, ticks = 5): { sx: (v: number) => number; sy: (v: number) => number; svg: string } {
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const sx = (v: number) => M.left + ((v - x0) / (x1 - x0 || 1)) * pw;
  const sy = (v: number) => M.top + ph - ((v - y0) / (y1 - y0 || 1)) * ph;
  let svg = `<rect x="${M.left}" y="${M.top}" width="${pw}" height="${ph}" fill="none" stroke="#333"/>`;
  for (let i = 0; i <= ticks; i++) {
    const xv = x0 + ((x1 - x0) * i) / ticks;
    const yv = y0 + ((y1 - y0) * i) / ticks;
    if (xTicks) {
      svg += `<line x1="${num(sx(xv))}" y1="${M.top + ph}" x2="${num(sx(xv))}" y2="${M.top + ph + 5}" stroke="#333"/>`;
      svg += `<text x="${num(sx(xv))}" y="${M.top + ph + 18}" font-family="sans-serif" font-size="11" text-anchor="middle">${fmt(xv)}</text>`;
    }
    svg += `<line x1="${M.left - 5}" y1="${num(sy(yv))}" x2="${M.left}" y2="${num(sy(yv))}" stroke="#333"/>`;
    svg += `<text x="${M.left - 8}" y="${num(sy(yv) + 4)}" font-family="sans-serif" font-size="11" text-anchor="end">${fmt(yv)}</text>`;
  }
  return { sx, sy, svg };
}

const fmt = (v: number) => (Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(2));

function legend(labels: { label: string; color: string }[]): string {
  return labels
    .map((l, i) => {
      const y = M.top + 14 + i * 18;
      const x = W - M.right - 200;
      return `<rect x="${x}" y="${y - 9}" width="14" height="10" fill="${l.color}"/><text x="${x + 20}" y="${y}" font-family="sans-serif" font-size="12">${esc(l.label)}</text>`;
    })
    .join('');
}

/** Line chart on [0, 1] x [0, 1] by default (PR curves). */
export function lineChart(title: string, xLabel: string, yLabel: string, series: Series[], range: { x?: [number, number]; y?: [number, number] } = {}): string {
  const [x0, x1] = range.x ?? [0, 1];
  const [y0, y1] = range.y ?? [0, 1];
  const a = axes(x0, x1, y0, y1);
  const colored = series.map((s, i) => ({ ...s, color: s.color ?? PALETTE[i % PALETTE.length]! }));
  const lines = colored
    .map((s) => `<polyline fill="none" stroke="${s.color}" stroke-width="2" points="${s.x.map((x, i) => `${num(a.sx(x))},${num(a.sy(s.y[i]!))}`).join(' ')}"/>`)
    .join('');
  return frame(title, xLabel, yLabel, a.svg + lines + legend(colored));
}

/** Grouped bars: one group per category, one bar per series (y: values[series][category]). */
export function barChart(title: string, xLabel: string, yLabel: string, categories: string[], series: { label: string; values: number[]; color?: string }[], options: { errors?: number[][] } = {}): string {
  const all = series.flatMap((s, i) => s.values.map((v, k) => v + (options.errors?.[i]?.[k] ?? 0)));
  const lo = Math.min(0, ...series.flatMap((s) => s.values));
  const hi = Math.max(1e-9, ...all);
  const a = axes(0, Math.max(1, categories.length), lo, hi, false);
  const slot = (W - M.left - M.right) / Math.max(1, categories.length);
  const bw = (slot * 0.8) / Math.max(1, series.length);
  let body = '';
  series.forEach((s, i) => {
    const color = s.color ?? PALETTE[i % PALETTE.length]!;
    s.values.forEach((v, k) => {
      const x = M.left + k * slot + slot * 0.1 + i * bw;
      const top = a.sy(Math.max(v, 0));
      const bottom = a.sy(Math.min(v, 0));
      body += `<rect x="${num(x)}" y="${num(top)}" width="${num(Math.max(1, bw - 1))}" height="${num(Math.max(0.5, bottom - top))}" fill="${color}"/>`;
      const e = options.errors?.[i]?.[k];
      if (e !== undefined && e > 0) body += `<line x1="${num(x + bw / 2)}" y1="${num(a.sy(v - e))}" x2="${num(x + bw / 2)}" y2="${num(a.sy(v + e))}" stroke="#000"/>`;
    });
  });
  // category labels instead of numeric x ticks, when few enough to read
  const labels = categories.length <= 40
    ? categories.map((c, k) => {
        const x = M.left + (k + 0.5) * slot;
        const y = H - M.bottom + 10;
        return `<text x="${num(x)}" y="${y}" font-family="sans-serif" font-size="9" text-anchor="end" transform="rotate(-45 ${num(x)} ${y})">${esc(c)}</text>`;
      }).join('')
    : '';
  return frame(title, xLabel, yLabel, a.svg + body + labels + legend(series.map((s, i) => ({ label: s.label, color: s.color ?? PALETTE[i % PALETTE.length]! }))));
}

/** Heat map of a square matrix, cells shaded by value / column total (as Ultralytics' normalised plot). */
export function heatMap(title: string, xLabel: string, yLabel: string, matrix: number[][], labels: string[]): string {
  const n = matrix.length;
  const size = 720;
  const left = 90;
  const top = 40;
  const cell = (size - left - 20) / Math.max(1, n);
  const totals = matrix[0]!.map((_, j) => matrix.reduce((s, row) => s + row[j]!, 0));
  let body = '';
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const v = totals[j]! > 0 ? matrix[i]![j]! / totals[j]! : 0;
      if (v <= 0) continue;
      const shade = Math.round(255 * (1 - v));
      body += `<rect x="${num(left + j * cell)}" y="${num(top + i * cell)}" width="${num(cell)}" height="${num(cell)}" fill="rgb(${shade},${shade},255)"/>`;
    }
  }
  body += `<rect x="${left}" y="${top}" width="${num(n * cell)}" height="${num(n * cell)}" fill="none" stroke="#333"/>`;
  if (n <= 30) {
    labels.forEach((l, k) => {
      body += `<text x="${left - 4}" y="${num(top + (k + 0.7) * cell)}" font-family="sans-serif" font-size="9" text-anchor="end">${esc(l)}</text>`;
    });
  }
  return frame(title, xLabel, yLabel, body, size, size);
}
