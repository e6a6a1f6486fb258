/**
 * The TensorRT 10 -> 11 migration path: a user's implicit-quantization calibration cache
 * (TensorRT 11 drops implicit INT8) becomes a Q/DQ ONNX with the tensorrt placement and the
 * cache's scales, bit for bit (amax = scale * 127).
 */
import { quantize, type QuantizeOptions, type QuantizeResult } from './qdq.js';
import { readTrtCache } from './trt-cache.js';

/**
 * Imports a calibration cache into a Q/DQ ONNX. Tensors the placement wants but the cache does
 * not list stay float (reported in `uncovered`).
 * @example importTrtCache('yolov8n.onnx', readFileSync('calib.cache', 'utf8'), 'yolov8n.qdq.onnx');
 */
export async function importTrtCache(
  onnx: QuantizeOptions['onnx'],
  cacheText: string,
  output?: string,
  options: Pick<QuantizeOptions, 'exclude' | 'quantizeClassConvs' | 'quantizeDfl'> = {},
): Promise<QuantizeResult> {
  const cache = readTrtCache(cacheText);
  const ranges = new Map([...cache.amax].map(([name, amax]) => [name, { amax }]));
  return quantize({ ...options, onnx, ...(output ? { output } : {}), calibration: { ranges }, target: 'tensorrt' });
}
