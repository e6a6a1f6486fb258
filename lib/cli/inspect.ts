import { loadModel } from '../model.js';
import { parseCommand, requireFlag } from './args.js';
import type { VocabularyInfo } from '../vocabulary.js';

export const inspectUsage = `yoloe-trt inspect <model> [--json]   print the model's inputs, outputs, head layout, vocabulary (fixed, runtime, prompt-free), classes and task`;

/** "runtime: class_embeddings [1, K, 512], K 1..any (text encoder ..., adapter ...)" and the like. */
function describeVocabulary(v: VocabularyInfo): string {
  if (v.kind === 'fixed') return 'fixed (classes baked into the graph)';
  if (v.kind === 'prompt-free') return 'prompt-free (built-in vocabulary, data-dependent anchors)';
  const range = v.minClasses === v.maxClasses ? `K = ${v.minClasses}` : `K ${v.minClasses}..${v.maxClasses === Infinity ? 'any' : v.maxClasses}`;
  const text = [v.textEncoder ? `text encoder ${v.textEncoder}` : '', v.textAdapter ? `adapter ${v.textAdapter}` : ''].filter(Boolean).join(', ');
  return `runtime (${v.embeddingsInput} [1, K, ${v.embedDim}], ${range}${text ? `; ${text}` : ''}): set with --prompts or --embeddings`;
}

export async function inspectCommand(argv: string[], out: NodeJS.WritableStream): Promise<void> {
  const { values, positionals } = parseCommand(argv, { json: { type: 'boolean' }, backend: { type: 'string' } });
  if (values.help) {
    out.write(`${inspectUsage}\n`);
    return;
  }
  const model = await loadModel(requireFlag('model', positionals[0]), { backend: values.backend as never });
  try {
    const { info } = model;
    if (values.json) {
      out.write(`${JSON.stringify({ ...info, backend: model.backendName }, null, 2)}\n`);
      return;
    }
    const tensor = (t: { name: string; dtype: string; dims: (number | string)[] }) => `${t.name} ${t.dtype} [${t.dims.join(', ')}]`;
    const lines = [
      `model     ${info.path} (${info.format}, backend ${model.backendName})`,
      `task      ${info.task}`,
      `inputs    ${info.inputs.map(tensor).join('; ')}`,
      `outputs   ${info.outputs.map(tensor).join('; ')}`,
      `layout    ${JSON.stringify(info.layout)}`,
      `imgsz     ${info.imgsz.join('x')}${info.dynamicShape ? ' (dynamic)' : ''}, stride ${info.stride}, batch ${info.dynamicBatch ? 'dynamic' : info.batch}`,
      `vocabulary ${describeVocabulary(info.vocabulary)}`,
      `classes   ${info.names.length}${info.vocabulary.kind === 'runtime' ? ' at export' : ''}: ${info.names.slice(0, 10).join(', ')}${info.names.length > 10 ? ', ...' : ''}`,
    ];
    out.write(`${lines.join('\n')}\n`);
  } finally {
    await model.dispose();
  }
}
