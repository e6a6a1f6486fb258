/**
 * Ultralytics metadata_props: what the exporter writes (`str(value)` of Python objects) and
 * how to read it back. Keys seen in real exports: description, author, date, version, license,
 * docs, stride, task, batch, imgsz, names, args ({'batch', 'half', 'dynamic', 'nms', ...}),
 * channels, end2end.
 */
import { parsePythonLiteral, pythonRepr, type PyValue } from './python-literal.js';

export interface UltralyticsMetadata {
  /** class names, index = class id */
  names?: string[];
  /** [height, width] */
  imgsz?: [number, number];
  stride?: number;
  task?: string;
  end2end?: boolean;
  nms?: boolean;
  batch?: number;
  dynamic?: boolean;
  half?: boolean;
  /** the export arguments dict (`args`), parsed */
  args?: { [key: string]: PyValue };
  /** keys present but unreadable, with the reason; those fields are left undefined */
  warnings: string[];
  raw: Record<string, string>;
}

function parseOrWarn(key: string, text: string, warnings: string[]): PyValue | undefined {
  try {
    return parsePythonLiteral(text);
  } catch (error) {
    warnings.push(`${key}: ${error instanceof Error ? error.message : String(error)}`);
    return undefined;
  }
}

/** `{0: 'person', ...}` (or a list) -> names by class id; gaps become "class<i>". */
function namesFrom(value: PyValue | undefined): string[] | undefined {
  if (Array.isArray(value)) return value.map(String);
  if (value === null || typeof value !== 'object') return undefined;
  const entries = Object.entries(value);
  const indexed = entries.every(([k]) => /^(0|[1-9]\d*)$/.test(k));
  if (!indexed) return entries.map(([, v]) => String(v));
  const count = entries.reduce((max, [k]) => Math.max(max, Number(k) + 1), 0);
  const names = Array.from({ length: count }, (_, i) => `class${i}`);
  for (const [k, v] of entries) names[Number(k)] = String(v);
  return names;
}

function imgszFrom(value: PyValue | undefined): [number, number] | undefined {
  if (typeof value === 'number' && Number.isInteger(value) && value > 0) return [value, value];
  if (Array.isArray(value) && value.every((v) => typeof v === 'number' && Number.isInteger(v) && v > 0)) {
    if (value.length === 1) return [value[0] as number, value[0] as number];
    if (value.length === 2) return [value[0] as number, value[1] as number];
  }
  return undefined;
}

function numberFrom(value: PyValue | undefined): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === 'number')) return Math.max(...(value as number[]));
  return undefined;
}

function boolFrom(value: PyValue | undefined): boolean | undefined {
  return typeof value === 'boolean' ? value : undefined;
}

/**
 * Parses Ultralytics metadata. Unknown keys are ignored (kept in `raw`); `half`, `dynamic`,
 * `nms`, `batch` are read at top level first, then from `args`.
 * @example parseUltralyticsMetadata({ names: "{0: 'person'}", imgsz: '[640, 640]' }).names // ['person']
 */
export function parseUltralyticsMetadata(props: Record<string, string>): UltralyticsMetadata {
  const warnings: string[] = [];
  const parsed = new Map<string, PyValue | undefined>();
  const get = (key: string): PyValue | undefined => {
    if (!(key in props)) return undefined;
    if (!parsed.has(key)) parsed.set(key, parseOrWarn(key, props[key]!, warnings));
    return parsed.get(key);
  };
  const argsValue = get('args');
  const args = argsValue !== null && typeof argsValue === 'object' && !Array.isArray(argsValue) ? argsValue : undefined;
  const fromTopOrArgs = (key: string): PyValue | undefined => (key in props ? get(key) : args?.[key]);

  const out: UltralyticsMetadata = { warnings, raw: { ...props } };
  const names = namesFrom(get('names'));
  if (names) out.names = names;
  const imgsz = imgszFrom(get('imgsz'));
  if (imgsz) out.imgsz = imgsz;
  const stride = numberFrom(get('stride'));
  if (stride !== undefined) out.stride = stride;
  // task is a bare word: str('detect') has no quotes
  if (props.task !== undefined && props.task !== '') out.task = props.task.replace(/^['"]|['"]$/g, '');
  const end2end = boolFrom(get('end2end'));
  if (end2end !== undefined) out.end2end = end2end;
  const nms = boolFrom(fromTopOrArgs('nms'));
  if (nms !== undefined) out.nms = nms;
  const batch = numberFrom(fromTopOrArgs('batch'));
  if (batch !== undefined) out.batch = batch;
  const dynamic = boolFrom(fromTopOrArgs('dynamic'));
  if (dynamic !== undefined) out.dynamic = dynamic;
  const half = boolFrom(fromTopOrArgs('half'));
  if (half !== undefined) out.half = half;
  if (args) out.args = args;
  return out;
}

export interface UltralyticsMetadataInput {
  names: string[];
  imgsz: [number, number];
  stride?: number;
  task?: 'detect' | 'segment';
  batch?: number;
  end2end?: boolean;
  nms?: boolean;
  half?: boolean;
  dynamic?: boolean;
  description?: string;
}

/** metadata_props as the Ultralytics exporter writes them (str() of each value). */
export function formatUltralyticsMetadata(m: UltralyticsMetadataInput): Record<string, string> {
  const names: { [key: string]: PyValue } = {};
  m.names.forEach((n, i) => (names[String(i)] = n));
  const batch = m.batch ?? 1;
  return {
    description: m.description ?? 'yoloe-trt synthetic test model',
    author: 'yoloe-trt',
    stride: String(m.stride ?? 32),
    task: m.task ?? 'detect',
    batch: String(batch),
    imgsz: pythonRepr(m.imgsz),
    names: pythonRepr(names),
    args: pythonRepr({ batch, half: m.half ?? false, dynamic: m.dynamic ?? false, nms: m.nms ?? false }),
    channels: '3',
    end2end: pythonRepr(m.end2end ?? false),
  };
}
