import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const FIXTURES = resolve(process.env.YOLOE_TRT_FIXTURES ?? join(import.meta.dirname, '..', '..', 'shared', 'fixtures'));

export function fixture(...parts) {
  const p = join(FIXTURES, ...parts);
  if (!existsSync(p)) throw new Error(`bench fixture missing: ${p} (set YOLOE_TRT_FIXTURES)`);
  return p;
}

export function percentile(values, p) {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

export function table(title, header, rows) {
  const cells = [header, ...rows].map((r) => r.map(String));
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const line = (r) => `| ${r.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  console.log(`\n${title}\n${line(cells[0])}\n|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|\n${cells.slice(1).map(line).join('\n')}`);
}
