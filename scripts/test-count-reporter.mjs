// Vitest reporter used by scripts/run-tests.mjs: writes the counts it prints to the file named in
// YOLOE_TEST_COUNTS. A test is "skipped" only when it was declared so (it.skip / it.todo); a test
// that should have run but did not (its beforeAll threw, its module failed to import) is failed.
import { writeFileSync } from 'node:fs';

export default class TestCountReporter {
  onTestRunEnd(testModules, unhandledErrors) {
    const counts = { passed: 0, failed: 0, skipped: 0, notRun: [] };
    for (const mod of testModules) {
      let tests = 0;
      for (const test of mod.children.allTests()) {
        tests += 1;
        const state = test.result().state;
        if (state === 'passed') counts.passed += 1;
        else if (state === 'skipped' && (test.options.mode === 'skip' || test.options.mode === 'todo')) counts.skipped += 1;
        else {
          counts.failed += 1;
          if (state !== 'failed') counts.notRun.push(`${mod.moduleId} > ${test.fullName}`);
        }
      }
      // A module that failed before collecting any test (syntax error, throwing import) counts once.
      if (tests === 0 && mod.state() === 'failed') {
        counts.failed += 1;
        counts.notRun.push(`${mod.moduleId} (no test collected)`);
      }
    }
    counts.failed += unhandledErrors.length;
    writeFileSync(process.env.YOLOE_TEST_COUNTS, JSON.stringify(counts));
  }
}
