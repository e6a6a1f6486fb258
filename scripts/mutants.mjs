#!/usr/bin/env node
// Mutation check (`npm run test:mutants`, not part of CI): applies each mutation in
// scripts/mutants-list.mjs to its source file, one at a time, runs the test files that should
// catch it and reports whether they did (killed) or not (survived). The file is restored after
// every mutant, also on Ctrl-C.
//   npm run test:mutants                      every mutant
//   npm run test:mutants -- nms-iou-f64 ...   only these ids (or id prefixes)
//   npm run test:mutants -- --skip-native     leave out mutants that need the addon rebuilt
//   npm run test:mutants -- --no-baseline     do not first check that the tests pass unmutated
// Needs YOLOE_TRT_FIXTURES like the tests. Exit code 1 when a mutant survived or could not run.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MUTANTS } from './mutants-list.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const flags = new Set(argv.filter((a) => a.startsWith('--')));
const wanted = argv.filter((a) => !a.startsWith('--'));
const selected = MUTANTS.filter((m) => (wanted.length === 0 || wanted.some((w) => m.id.startsWith(w))) && !(flags.has('--skip-native') && m.build));
if (selected.length === 0) {
  console.error(`no mutant matches ${wanted.join(' ')}`);
  process.exit(2);
}

let pending = null; // { path, original } while a mutant is applied
function restore() {
  if (pending) writeFileSync(pending.path, pending.original);
  pending = null;
}
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    restore();
    process.exit(130);
  });
}

const BUILDS = {
  // the addon (native/addon, native/tensorrt): rebuilt into build/ as `npm run native:build` does
  addon: ['node', [join(root, 'scripts', 'build-native.mjs'), 'build']],
};

function run(cmd, args) {
  return spawnSync(cmd, args, { cwd: root, encoding: 'utf8', maxBuffer: 64 << 20 });
}

function vitest(files) {
  return run(process.execPath, [join(root, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--bail=1', '--reporter=dot', ...files]);
}

function testsOf(m) {
  return m.tests.filter((t) => existsSync(join(root, t)));
}

if (!flags.has('--no-baseline')) {
  const files = [...new Set(selected.flatMap(testsOf))];
  process.stdout.write(`baseline: ${files.length} test file(s) unmutated ... `);
  const r = vitest(files);
  if (r.status !== 0) {
    console.log('FAILED: fix the tests before judging mutants');
    console.log((r.stdout + r.stderr).slice(-4000));
    process.exit(2);
  }
  console.log('pass');
}

const rows = [];
for (const m of selected) {
  const path = join(root, m.file);
  const original = existsSync(path) ? readFileSync(path, 'utf8') : null;
  const hits = original === null ? 0 : original.split(m.search).length - 1;
  const tests = testsOf(m);
  let outcome;
  if (hits !== 1) outcome = `STALE (search text found ${hits} times in ${m.file})`;
  else if (tests.length === 0) outcome = `NO TESTS (none of ${m.tests.join(', ')} exists)`;
  else {
    pending = { path, original };
    writeFileSync(path, original.replace(m.search, () => m.replace));
    try {
      const build = m.build ? run(...BUILDS[m.build]) : null;
      if (build && build.status !== 0) outcome = 'killed (does not build)';
      else outcome = vitest(tests).status === 0 ? 'SURVIVED' : 'killed';
    } finally {
      restore();
    }
  }
  const owner = m.owner ? ` [${m.owner}]` : '';
  console.log(`${outcome.padEnd(9)} ${m.id}${owner}: ${m.what}`);
  rows.push({ id: m.id, outcome });
}
// a rebuilt addon must not keep the last mutant: rebuild it from the restored sources
const builds = new Set(selected.filter((m) => m.build).map((m) => m.build));
for (const b of builds) run(...BUILDS[b]);

const killed = rows.filter((r) => r.outcome.startsWith('killed')).length;
const survived = rows.filter((r) => r.outcome === 'SURVIVED');
const broken = rows.filter((r) => !r.outcome.startsWith('killed') && r.outcome !== 'SURVIVED');
console.log(`\n${killed} killed, ${survived.length} survived, ${broken.length} not run (of ${rows.length})`);
if (survived.length) console.log(`survivors: ${survived.map((r) => r.id).join(' ')}`);
if (broken.length) console.log(`not run: ${broken.map((r) => r.id).join(' ')}`);
process.exitCode = survived.length || broken.length ? 1 : 0;
