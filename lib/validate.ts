import { YoloeTrtError, invalidOption } from './errors.js';

/** Option validators shared by every public entry point; each throws ERR_INVALID_OPTION. */

export function optNumber(option: string, value: unknown, dflt: number, min: number, max: number, opts: { integer?: boolean; exclusiveMin?: boolean } = {}): number {
  if (value === undefined) return dflt;
  const what = `${opts.integer ? 'an integer' : 'a number'} ${opts.exclusiveMin ? '>' : '>='} ${min} and <= ${max}`;
  if (typeof value !== 'number' || !Number.isFinite(value)) throw invalidOption(option, what, value);
  if (opts.integer && !Number.isInteger(value)) throw invalidOption(option, what, value);
  if (value < min || (opts.exclusiveMin && value === min) || value > max) throw invalidOption(option, what, value);
  return value;
}

export function optBoolean(option: string, value: unknown, dflt: boolean): boolean {
  if (value === undefined) return dflt;
  if (typeof value !== 'boolean') throw invalidOption(option, 'a boolean', value);
  return value;
}

export function optString(option: string, value: unknown, dflt?: string): string | undefined {
  if (value === undefined) return dflt;
  if (typeof value !== 'string' || value.length === 0) throw invalidOption(option, 'a non-empty string', value);
  return value;
}

export function optEnum<T extends string>(option: string, value: unknown, allowed: readonly T[], dflt: T): T {
  if (value === undefined) return dflt;
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw invalidOption(option, `one of ${allowed.map((a) => `'${a}'`).join(', ')}`, value);
  }
  return value as T;
}

export function optObject(option: string, value: unknown): Record<string, unknown> {
  if (value === undefined) return {};
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw invalidOption(option, 'an object', value);
  return value as Record<string, unknown>;
}

export function optIntegerList(option: string, value: unknown, min: number, max: number): number[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || !value.every((v) => Number.isInteger(v) && v >= min && v <= max)) {
    throw invalidOption(option, `an array of integers between ${min} and ${max}`, value);
  }
  return value as number[];
}

/**
 * Rejects option keys a function does not know, so a typo (`max_det`, `confidence`, `Backend`)
 * fails instead of silently running with defaults. `known` lives next to each function's option
 * parsing; the message names the key and, when one is close, the known key meant.
 * @example checkKnownKeys('detect', options, DETECT_OPTION_KEYS)
 */
export function checkKnownKeys(where: string, options: unknown, known: readonly string[]): void {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) return;
  for (const key of Object.keys(options)) {
    if (known.includes(key)) continue;
    const hint = closestKey(key, known);
    throw new YoloeTrtError(
      'ERR_INVALID_OPTION',
      `Unknown option ${JSON.stringify(key)} for ${where}${hint ? ` (did you mean ${hint}?)` : ''}; known options: ${known.join(', ')}`,
      { option: key, ...(hint ? { suggestion: hint } : {}) },
    );
  }
}

/** The known key closest to `key` (case, `_` and `-` ignored; edit distance <= a third of its length, else a prefix), if any. */
export function closestKey(key: string, known: readonly string[]): string | undefined {
  const norm = (s: string) => s.toLowerCase().replace(/[-_]/g, '');
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const k of known) {
    const d = editDistance(norm(key), norm(k));
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  if (best !== undefined && bestDistance <= Math.max(1, Math.floor(norm(key).length / 3))) return best;
  // a longer or shorter spelling of a known key: `confidence` for `conf`
  const n = norm(key);
  return n.length >= 3 ? known.find((k) => n.startsWith(norm(k)) || norm(k).startsWith(n)) : undefined;
}

/** Levenshtein distance (insert, delete, substitute: cost 1 each). */
function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length]!;
}
