import { parseArgs, type ParseArgsConfig } from 'node:util';
import { YoloeTrtError } from '../errors.js';
import { closestKey } from '../validate.js';

type FlagSpec = { type: 'string' | 'boolean'; short?: string };
type Flags<T extends Record<string, FlagSpec>> = { [K in keyof T]?: T[K]['type'] extends 'boolean' ? boolean : string } & { help?: boolean };

/** Parses a sub-command's argv with node:util, turning its errors into our typed ones. */
export function parseCommand<T extends Record<string, FlagSpec>>(argv: string[], options: T): { values: Flags<T>; positionals: string[] } {
  try {
    const all = { help: { type: 'boolean', short: 'h' }, ...options } as NonNullable<ParseArgsConfig['options']>;
    const { values, positionals } = parseArgs({ args: argv, options: all, allowPositionals: true, strict: true });
    return { values: values as Flags<T>, positionals };
  } catch (cause) {
    throw unknownFlagError(cause as Error & { code?: string }, Object.keys(options)) ?? new YoloeTrtError('ERR_INVALID_OPTION', (cause as Error).message, undefined, { cause });
  }
}

/** node:util's "Unknown option '--max_det'" as our message, with the closest known flag ("did you mean --max-det?"). */
function unknownFlagError(cause: Error & { code?: string }, known: string[]): YoloeTrtError | undefined {
  const flag = cause.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' ? /Unknown option '([^']+)'/.exec(cause.message)?.[1] : undefined;
  if (flag === undefined) return undefined;
  const hint = closestKey(flag.replace(/^-+/, '').replace(/=.*$/, ''), [...known, 'help']);
  const flags = [...known, 'help'].map((k) => `--${k}`).join(' ');
  return new YoloeTrtError('ERR_INVALID_OPTION', `Unknown option ${flag}${hint ? ` (did you mean --${hint}?)` : ''}; known options: ${flags}`, { option: flag, ...(hint ? { suggestion: `--${hint}` } : {}) }, { cause });
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
