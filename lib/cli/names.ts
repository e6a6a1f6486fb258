import { readSourceFile } from '../fs/source-file.js';

/** Reads class names, one per line (blank lines ignored), as shipped next to many exported models. */
export async function readNamesFile(path: string): Promise<string[]> {
  const text = (await readSourceFile(path, 'names', 16 * 2 ** 20)).toString('utf8');
  return text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l.length > 0);
}
