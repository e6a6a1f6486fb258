import { readdirSync, statSync } from 'node:fs';
import { dirname, extname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { YoloeTrtError } from '../errors.js';

/** File extensions taken as images when a folder or a glob is listed. */
export const IMAGE_EXTENSIONS = ['.jpg', '.jpeg', '.png', '.bmp', '.webp', '.tif', '.tiff', '.gif', '.avif'];

/** Code-unit order: the same on every machine and locale (localeCompare is not). */
function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const isImage = (name: string) => IMAGE_EXTENSIONS.includes(extname(name).toLowerCase());

/** The image files directly in `dir`, sorted. */
export function listImageFolder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => !e.isDirectory() && isImage(e.name))
    .map((e) => join(dir, e.name))
    .sort(compareStrings);
}

/** True when the argument has glob characters (`*`, `?`, `[...]`). */
export function isGlob(arg: string): boolean {
  return /[*?[]/.test(arg);
}

/** A glob segment as a regular expression: `*` any run, `?` one character, `[...]` a set; no `/` crossing. */
function segmentRegExp(segment: string): RegExp {
  let re = '';
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = segment.indexOf(']', i + 1);
      if (end < 0) re += '\\[';
      else {
        re += `[${segment.slice(i + 1, end).replace(/^!/, '^').replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** The files (any type) a glob matches, sorted; `**` is not supported (one folder level per segment). */
export function expandGlob(pattern: string): string[] {
  const absolute = resolve(pattern);
  const parts = absolute.split(sep);
  let bases = [parts[0] === '' ? sep : parts[0]!];
  for (const part of parts.slice(1)) {
    if (part === '') continue;
    const next: string[] = [];
    for (const base of bases) {
      if (!isGlob(part)) {
        next.push(join(base, part));
        continue;
      }
      const re = segmentRegExp(part);
      let names: string[] = [];
      try {
        names = readdirSync(base);
      } catch {
        // not a folder: nothing matches below it
      }
      for (const n of names) if (re.test(n)) next.push(join(base, n));
    }
    bases = next;
  }
  return bases.filter((p) => {
    try {
      statSync(p);
      return true;
    } catch {
      return false;
    }
  }).sort(compareStrings);
}

/**
 * The images that command-line arguments name: a file stays as given, a folder becomes its image
 * files (sorted), a glob the image files it matches (sorted). Missing paths, empty folders and
 * globs that match nothing are errors naming the argument.
 * @example expandImageArgs(['assets/', 'more/*.png', 'x.jpg'])
 */
export function expandImageArgs(args: string[]): string[] {
  const out: string[] = [];
  for (const arg of args) {
    if (isGlob(arg)) {
      let stats: ReturnType<typeof statSync> | undefined;
      try {
        stats = statSync(arg);
      } catch {
        // not a literal file name: a glob
      }
      if (stats) {
        out.push(...(stats.isDirectory() ? listImageFolder(arg) : [arg]));
        continue;
      }
      // relative patterns give relative paths, as the shell would
      const matches = expandGlob(arg).filter((p) => !statSync(p).isDirectory() && isImage(p)).map((p) => (isAbsolute(arg) ? p : relative(process.cwd(), p)));
      if (matches.length === 0) throw new YoloeTrtError('ERR_FILE_NOT_FOUND', `No images match ${arg} (in ${dirname(resolve(arg))})`, { path: arg });
      out.push(...matches);
      continue;
    }
    let isDirectory = false;
    try {
      isDirectory = statSync(arg).isDirectory();
    } catch {
      // a missing file is reported per image, where it is read
    }
    if (!isDirectory) {
      out.push(arg);
      continue;
    }
    const files = listImageFolder(arg);
    if (files.length === 0) throw new YoloeTrtError('ERR_FILE_NOT_FOUND', `No images (${IMAGE_EXTENSIONS.join(', ')}) in the folder ${arg}`, { path: arg });
    out.push(...files);
  }
  return out;
}
