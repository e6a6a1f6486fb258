#!/usr/bin/env node
// Checks config.pbtxt files against Triton's own ModelConfig schema with protoc, which parses the
// text format strictly (unknown fields, wrong types and enum names fail):
//   node scripts/validate-triton-config.mjs <folder holding model_config.proto> <config.pbtxt>...
// model_config.proto is triton-inference-server/common's protobuf/model_config.proto (fetch it;
// it is not part of this repository). Needs protoc (Debian: protobuf-compiler).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const [protoDir, ...configs] = process.argv.slice(2);
if (!protoDir || configs.length === 0) {
  console.error('usage: validate-triton-config.mjs <proto dir> <config.pbtxt>...');
  process.exit(2);
}
let failed = 0;
for (const config of configs) {
  const run = spawnSync('protoc', [`--proto_path=${protoDir}`, '--encode=inference.ModelConfig', 'model_config.proto'], { input: readFileSync(config), encoding: 'buffer' });
  if (run.error) {
    console.error(`protoc not runnable: ${run.error.message}`);
    process.exit(2);
  }
  const ok = run.status === 0;
  if (!ok) failed++;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${config}${ok ? ` (${run.stdout.length} bytes encoded)` : `\n${run.stderr.toString()}`}`);
}
process.exit(failed === 0 ? 0 : 1);
