/**
 * TensorRT calibration cache (the text file an IInt8Calibrator reads and writes, and what
 * TensorRT 10 / JetPack 6 consume for implicit INT8):
 *
 *   TRT-<N>-<Algorithm>
 *   <tensor name>: <8 lowercase hex digits>
 *
 * N = major*10000 + minor*100 + patch for TensorRT >= 10 (10.3.0 -> 100300), major*1000 +
 * minor*100 + patch before (8.6.1 -> 8601). The hex digits are the big-endian bits of the
 * float32 scale amax / 127. Tensor names may contain colons: the value follows the LAST one.
 */
import { YoloeTrtError } from '../errors.js';

export type TrtCalibrationAlgorithm = 'EntropyCalibration2' | 'EntropyCalibration' | 'MinMaxCalibration' | 'LegacyCalibration';

const ALGORITHMS: readonly TrtCalibrationAlgorithm[] = ['EntropyCalibration2', 'EntropyCalibration', 'MinMaxCalibration', 'LegacyCalibration'];

export interface TrtVersion {
  major: number;
  minor: number;
  patch: number;
}

export interface TrtCache {
  version: TrtVersion;
  algorithm: TrtCalibrationAlgorithm;
  /** tensor name -> amax (= scale * 127), in file order */
  amax: Map<string, number>;
}

function cacheError(message: string, details?: Record<string, unknown>): YoloeTrtError {
  return new YoloeTrtError('ERR_CALIBRATION', message, details);
}

/** The number TensorRT writes in the header for a version. */
export function encodeTrtVersion(version: TrtVersion): number {
  const { major, minor, patch } = version ?? ({} as TrtVersion);
  const ok = [major, minor, patch].every((n) => Number.isInteger(n) && n >= 0) && minor <= 99 && patch <= 99;
  if (!ok || major < 1 || (major < 10 && minor > 9)) {
    throw new YoloeTrtError('ERR_INVALID_OPTION', `Expected a TensorRT version {major, minor, patch} (minor < ${major < 10 ? 10 : 100}, patch < 100) for version but received ${JSON.stringify(version)}`, { option: 'version' });
  }
  return major >= 10 ? major * 10000 + minor * 100 + patch : major * 1000 + minor * 100 + patch;
}

/** Inverse of encodeTrtVersion: < 10000 is the TensorRT <= 9 scheme, >= 100000 the TensorRT >= 10 one. */
export function decodeTrtVersion(n: number): TrtVersion {
  if (Number.isInteger(n) && n >= 1000 && n < 10000) return { major: Math.floor(n / 1000), minor: Math.floor((n % 1000) / 100), patch: n % 100 };
  if (Number.isInteger(n) && n >= 100000) return { major: Math.floor(n / 10000), minor: Math.floor((n % 10000) / 100), patch: n % 100 };
  throw cacheError(`TensorRT version number ${n} in the calibration cache header is not a known encoding`);
}

/** float32(amax / 127) as 8 lowercase hex digits, big-endian. */
export function amaxToHex(amax: number): string {
  const view = new DataView(new ArrayBuffer(4));
  view.setFloat32(0, amax / 127, false);
  return view.getUint32(0, false).toString(16).padStart(8, '0');
}

export function hexToAmax(hex: string): number {
  const view = new DataView(new ArrayBuffer(4));
  view.setUint32(0, parseInt(hex, 16), false);
  return view.getFloat32(0, false) * 127;
}

/**
 * Writes a cache.
 * @example writeTrtCache({ version: { major: 10, minor: 3, patch: 0 }, algorithm: 'EntropyCalibration2', scales: new Map([['images', 127]]) })
 * // 'TRT-100300-EntropyCalibration2\nimages: 3f800000\n'
 */
export function writeTrtCache(options: { version: TrtVersion; algorithm: TrtCalibrationAlgorithm; scales: Map<string, number> }): string {
  const { version, algorithm, scales } = options;
  if (!ALGORITHMS.includes(algorithm)) {
    throw new YoloeTrtError('ERR_INVALID_OPTION', `Expected one of ${ALGORITHMS.join(', ')} for algorithm but received ${JSON.stringify(algorithm)}`, { option: 'algorithm' });
  }
  if (!(scales instanceof Map)) throw new YoloeTrtError('ERR_INVALID_OPTION', 'Expected a Map of tensor name to amax for scales', { option: 'scales' });
  const lines = [`TRT-${encodeTrtVersion(version)}-${algorithm}`];
  for (const [name, amax] of scales) {
    if (typeof name !== 'string' || name === '' || /[\r\n]/.test(name)) throw cacheError(`Tensor name ${JSON.stringify(name)} cannot be written to a calibration cache`);
    if (typeof amax !== 'number' || !Number.isFinite(amax) || amax < 0) throw cacheError(`amax of ${name} must be a finite number >= 0 but is ${String(amax)}`);
    lines.push(`${name}: ${amaxToHex(amax)}`);
  }
  return lines.join('\n') + '\n';
}

/** Reads a cache; every malformed line is an ERR_CALIBRATION naming its line number. */
export function readTrtCache(text: string): TrtCache {
  if (typeof text !== 'string') throw cacheError('A calibration cache must be text');
  const lines = text.split(/\r?\n/);
  const header = /^TRT-(\d+)-([A-Za-z0-9]+)$/.exec(lines[0]?.trim() ?? '');
  if (!header) throw cacheError(`Line 1 of the calibration cache should read TRT-<version>-<algorithm> but reads ${JSON.stringify((lines[0] ?? '').slice(0, 60))}`);
  const algorithm = header[2] as TrtCalibrationAlgorithm;
  if (!ALGORITHMS.includes(algorithm)) throw cacheError(`Unknown calibration algorithm ${JSON.stringify(header[2])} in the cache header`);
  const version = decodeTrtVersion(Number(header[1]));
  const amax = new Map<string, number>();
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '') continue;
    const colon = line.lastIndexOf(':');
    const name = colon > 0 ? line.slice(0, colon) : '';
    const hex = colon > 0 ? line.slice(colon + 1).trim() : '';
    if (name === '' || !/^[0-9a-fA-F]{1,8}$/.test(hex)) throw cacheError(`Line ${i + 1} of the calibration cache is not "<tensor>: <8 hex digits>": ${JSON.stringify(line.slice(0, 80))}`, { line: i + 1 });
    const value = hexToAmax(hex);
    if (!Number.isFinite(value) || value < 0) throw cacheError(`Line ${i + 1} of the calibration cache holds an unusable scale (${hex})`, { line: i + 1 });
    if (amax.has(name)) throw cacheError(`Tensor ${JSON.stringify(name)} appears twice in the calibration cache (line ${i + 1})`, { line: i + 1 });
    amax.set(name, value);
  }
  return { version, algorithm, amax };
}

/** The same cache declared for another TensorRT version (header only; the scales are kept bit for bit). */
export function retargetTrtCache(text: string, version: TrtVersion): string {
  const cache = readTrtCache(text); // validates every line first
  const lines = text.split(/\r?\n/);
  lines[0] = `TRT-${encodeTrtVersion(version)}-${cache.algorithm}`;
  return lines.join('\n');
}
