#!/usr/bin/env node
// The README's test command: runs vitest (and the native C++ twin tests when they were built),
// then prints one plain summary line `N passed, N failed[, N skipped]` for CI.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tmp = mkdtempSync(join(tmpdir(), 'yoloe-tests-'));
const report = join(tmp, 'vitest.json');
let passed = 0;
let failed = 0;
let skipped = 0;

const vitest = spawnSync(process.execPath, [join(root, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' });
if (existsSync(report)) {
  const r = JSON.parse(readFileSync(report, 'utf8'));
  passed += r.numPassedTests;
  failed += r.numFailedTests;
  skipped += r.numPendingTests + r.numTodoTests;
  // A suite that fails to load (syntax error, missing fixture at import) has no tests: count it.
  failed += r.testResults.filter((s) => s.status === 'failed' && s.assertionResults.length === 0).length;
} else {
  failed += 1;
  console.error(`vitest produced no report (exit ${vitest.status})`);
}

// Native C++ twin tests (no Node; `npm run test:native` configures and builds them into
// build/tests, as .ci/run does): counted here when built. A GPU comparison that could not run
// (no CUDA device) is reported by ctest as skipped, never as passed.
const nativeTests = join(root, 'build', 'tests');
if (process.argv.length <= 2 && existsSync(join(nativeTests, 'CTestTestfile.cmake'))) {
  const run = spawnSync('ctest', ['--test-dir', nativeTests, '--output-on-failure'], { cwd: root, encoding: 'utf8' });
  process.stdout.write(run.stdout ?? '');
  process.stderr.write(run.stderr ?? '');
  const total = /tests passed, (\d+) tests? failed out of (\d+)/.exec(run.stdout ?? '');
  if (total) {
    const nativeFailed = Number(total[1]);
    const nativeSkipped = ((run.stdout ?? '').match(/\(Skipped\)/g) ?? []).length;
    passed += Number(total[2]) - nativeFailed - nativeSkipped;
    failed += nativeFailed;
    skipped += nativeSkipped;
  } else {
    failed += 1;
    console.error(`native tests printed no ctest summary (exit ${run.status})`);
  }
}

rmSync(tmp, { recursive: true, force: true });
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exitCode = failed > 0 || vitest.status !== 0 ? 1 : 0;
