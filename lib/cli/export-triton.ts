import { exportTriton } from '../export-triton.js';
import { YoloeTrtError } from '../errors.js';
import { numberFlag, parseCommand, requireFlag } from './args.js';

export const exportTritonUsage = `yoloe-trt export-triton <M.engine|M.onnx> --repo DIR [options]   write a Triton model repository entry

  --name NAME          model name in the repository (default the file name)
  --max-batch N        max_batch_size (default the engine profile's max batch)
  --instances K        instance_group count on the GPU (default 1)
  --dynamic-batching   add a dynamic_batching block`;

export async function exportTritonCommand(argv: string[], out: NodeJS.WritableStream): Promise<void> {
  const { values, positionals } = parseCommand(argv, {
    repo: { type: 'string' },
    name: { type: 'string' },
    'max-batch': { type: 'string' },
    instances: { type: 'string' },
    'dynamic-batching': { type: 'boolean' },
  });
  if (values.help) {
    out.write(`${exportTritonUsage}\n`);
    return;
  }
  const model = positionals[0];
  if (!model) throw new YoloeTrtError('ERR_INVALID_OPTION', 'Expected an engine or ONNX path for export-triton');
  const result = exportTriton({
    model,
    repo: requireFlag('repo', values.repo),
    ...(values.name !== undefined && { name: values.name }),
    ...(values['max-batch'] !== undefined && { maxBatch: numberFlag('max-batch', values['max-batch']) }),
    ...(values.instances !== undefined && { instances: numberFlag('instances', values.instances) }),
    dynamicBatching: values['dynamic-batching'] === true,
  });
  out.write(`${result.config}\n${result.model}\n`);
}
