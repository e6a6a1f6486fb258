import { invalidOption } from './errors.js';

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
