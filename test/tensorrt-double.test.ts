// Runs the TensorRT contract-double tests (test/tensorrt-double/*.double.ts) in a child vitest
// whose environment points libnvinfer at the fakes (TENSORRT_LIB_DIR) and libcuda.so.1 at the
// host-memory driver (LD_LIBRARY_PATH, read by the dynamic linker only at process start), and
// reports each of its tests here. Needs the addon built with TensorRT headers and the double
// built by CMake (.ci/run does both; see native/tests/tensorrt_double/CMakeLists.txt).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(__dirname, '..');
const fakes = join(root, 'build', 'tests');
const report = join(mkdtempSync(join(tmpdir(), 'yoloe-double-')), 'report.json');

interface Assertion {
  fullName: string;
  status: string;
  failureMessages: string[];
}

function runDouble(): { setup?: string; results: Assertion[] } {
  if (!existsSync(join(fakes, 'fake-tensorrt', 'libnvinfer.so.10'))) {
    return { setup: `the TensorRT contract double is not built in ${fakes}: cmake -S . -B build/tests -DYOLOE_BUILD_TESTS=ON -DYOLOE_BUILD_ADDON=OFF -DYOLOE_TENSORRT_DOUBLE_INCLUDE=../shared/tensorrt-headers/10.3/include && cmake --build build/tests`, results: [] };
  }
  const env = {
    ...process.env,
    TENSORRT_LIB_DIR: join(fakes, 'fake-tensorrt'),
    LD_LIBRARY_PATH: [join(fakes, 'fake-cuda'), process.env.LD_LIBRARY_PATH].filter(Boolean).join(':'),
  };
  const run = spawnSync(process.execPath, [join(root, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--config', 'test/tensorrt-double/vitest.config.ts', '--reporter=json', `--outputFile=${report}`], { cwd: root, env, encoding: 'utf8', timeout: 300_000 });
  if (!existsSync(report)) return { setup: `the double's vitest produced no report (exit ${run.status}): ${run.stderr}`, results: [] };
  const parsed = JSON.parse(readFileSync(report, 'utf8')) as { testResults: { name: string; message?: string; assertionResults: Assertion[] }[] };
  const results: Assertion[] = [];
  for (const file of parsed.testResults) {
    // a file that failed to load has no assertions: report it as a failed test
    if (file.assertionResults.length === 0) results.push({ fullName: `${file.name} (did not load)`, status: 'failed', failureMessages: [file.message ?? 'no tests ran'] });
    results.push(...file.assertionResults);
  }
  return { results };
}

const { setup, results } = runDouble();

describe('TensorRT contract double', () => {
  it('ran', () => {
    expect(setup).toBeUndefined();
    expect(results.length).toBeGreaterThan(0);
  });
  for (const result of results) {
    it(result.fullName, () => {
      expect(result.failureMessages.join('\n'), result.fullName).toBe('');
      expect(result.status).toBe('passed');
    });
  }
});
