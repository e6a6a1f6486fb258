import { parseArgs, type ParseArgsConfig } from 'node:util';
import { YoloeTrtError } from '../errors.js';

type FlagSpec = { type: 'string' | 'boolean'; short?: string };
type Flags<T extends Record<string, FlagSpec>> = { [K in keyof T]?: T[K]['type'] extends 'boolean' ? boolean : string } & { help?: boolean };

/** Parses a sub-command's argv with node:util, turning its errors into our typed ones. */
export function parseCommand<T extends Record<string, FlagSpec>>(argv: string[], options: T): { values: Flags<T>; positionals: string[] } {
  try {
    const all = { help: { type: 'boolean', short: 'h' }, ...options } as NonNullable<ParseArgsConfig['options']>;
    const { values, positionals } = parseArgs({ args: argv, options: all, allowPositionals: true, strict: true });
    return { values: values as Flags<T>, positionals };
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
