// `npm run bench`: every benchmark, each printing ratios measured within the same run.
import { benchPipeline } from './pipeline.mjs';

const only = process.argv[2];
const benches = { pipeline: benchPipeline };
for (const [name, run] of Object.entries(benches)) {
  if (only && only !== name) continue;
  await run();
}
