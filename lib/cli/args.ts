import { parseArgs, type ParseArgsConfig } from 'node:util';
import { YoloeTrtError } from '../errors.js';

/** Parses a sub-command's argv with node:util, turning its errors into our typed ones. */
export function parseCommand<T extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: T) {
  try {
    const all = { help: { type: 'boolean', short: 'h' }, ...options } as const;
    return parseArgs({ args: argv, options: all, allowPositionals: true, strict: true });
  } catch (cause) {
    throw new YoloeTrtError('ERR_INVALID_OPTION', (cause as Error).message, undefined, { cause });
  }
}

/** A numeric flag: undefined when absent, a clear error when not a number. */
export function numberFlag(name: string, value: string | boolean | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (typeof value !== 'string' || value.trim() === '' || !Number.isFinite(n)) {
    throw new YoloeTrtError('ERR_INVALID_OPTION', `Expected a number for --${name} but received ${JSON.stringify(value)}`, { option: name });
  }
  return n;
}

/** A comma-separated list of integers (`--classes 0,2,5`). */
export function intListFlag(name: string, value: string | boolean | undefined): number[] | undefined {
  if (value === undefined) return undefined;
  const parts = typeof value === 'string' ? value.split(',').map((s) => s.trim()).filter(Boolean) : [];
  const nums = parts.map(Number);
  if (parts.length === 0 || !nums.every((n) => Number.isInteger(n) && n >= 0)) {
    throw new YoloeTrtError('ERR_INVALID_OPTION', `Expected a comma-separated list of class ids for --${name} but received ${JSON.stringify(value)}`, { option: name });
  }
  return nums;
}

export function requireFlag(name: string, value: string | boolean | undefined): string {
  if (typeof value !== 'string' || value === '') {
    throw new YoloeTrtError('ERR_INVALID_OPTION', `Expected a value for --${name}`, { option: name });
  }
  return value;
}
