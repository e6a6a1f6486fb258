import { loadModel } from '../model.js';
import { parseCommand, requireFlag } from './args.js';

export const inspectUsage = `yoloe-trt inspect <model> [--json]   print the model's inputs, outputs, head layout, classes and task`;

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
      `classes   ${info.names.length}: ${info.names.slice(0, 10).join(', ')}${info.names.length > 10 ? ', ...' : ''}`,
    ];
    out.write(`${lines.join('\n')}\n`);
  } finally {
    await model.dispose();
  }
}
