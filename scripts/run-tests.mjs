#!/usr/bin/env node
// The README's test command: runs vitest, then the native C++ twin tests (ctest in build/tests),
// and prints one plain summary line `N passed, N failed` last, for CI.
// Counting is strict: a test that could not run (its setup threw, its module failed to import)
// is a failure, never a skip. Arguments are passed to vitest (a subset of files); the C++ tests
// then run only in CI (CI=true), where they always run and a missing build/tests is a failure.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { prepareTestBuild } from './prepare-test-build.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tmp = mkdtempSync(join(tmpdir(), 'yoloe-tests-'));
const countsFile = join(tmp, 'counts.json');
const inCi = /^(1|true)$/i.test(process.env.CI ?? '');
const args = process.argv.slice(2);
let passed = 0;
let failed = 0;
let skipped = 0;

// the whole suite on a fresh clone: build what the native and TensorRT tests need, if missing
if (args.length === 0) prepareTestBuild();

const vitest = spawnSync(
  process.execPath,
  [join(root, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--reporter=default', `--reporter=${join(root, 'scripts', 'test-count-reporter.mjs')}`, ...args],
  { cwd: root, stdio: 'inherit', env: { ...process.env, YOLOE_TEST_COUNTS: countsFile } },
);
if (existsSync(countsFile)) {
  const counts = JSON.parse(readFileSync(countsFile, 'utf8'));
  passed += counts.passed;
  failed += counts.failed;
  skipped += counts.skipped;
  if (counts.notRun.length > 0) {
    console.error(`${counts.notRun.length} test(s) could not run (counted as failed):`);
    for (const name of counts.notRun.slice(0, 20)) console.error(`  ${name}`);
    if (counts.notRun.length > 20) console.error(`  ... and ${counts.notRun.length - 20} more`);
  }
} else {
  failed += 1;
  console.error(`vitest produced no counts (exit ${vitest.status})`);
}
// vitest failing with every counted test green (e.g. an unhandled error after the run) is still a failure.
if (vitest.status !== 0 && failed === 0) failed += 1;

// Native C++ twin tests (no Node; `npm run test:native` or .ci/run builds them into build/tests).
// A GPU comparison that could not run (no CUDA device) is reported by ctest as skipped.
const nativeTests = join(root, 'build', 'tests');
if (inCi || args.length === 0) {
  if (!existsSync(join(nativeTests, 'CTestTestfile.cmake'))) {
    if (inCi) {
      failed += 1;
      console.error(`native tests not built (${nativeTests} missing): CI must build and run them`);
    } else {
      console.error(`note: native tests not built (${nativeTests}); run \`npm run test:native\` to include them`);
    }
  } else {
    const run = spawnSync('ctest', ['--test-dir', nativeTests, '--output-on-failure'], { cwd: root, encoding: 'utf8' });
    process.stdout.write(run.stdout ?? '');
    process.stderr.write(run.stderr ?? '');
    const total = /tests passed, (\d+) tests? failed out of (\d+)/.exec(run.stdout ?? '');
    if (total && Number(total[2]) > 0) {
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
}

rmSync(tmp, { recursive: true, force: true });
if (skipped > 0) console.log(`${skipped} skipped (declared skips, or GPU comparisons on a machine without a CUDA device)`);
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed > 0 ? 1 : 0;
