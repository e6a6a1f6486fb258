import { readFile } from 'node:fs/promises';
import { YoloeTrtError } from '../errors.js';

/** Reads class names, one per line (blank lines ignored), as shipped next to many exported models. */
export async function readNamesFile(path: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new YoloeTrtError('ERR_FILE_NOT_FOUND', `Names file not found: ${path}`, { path }, { cause });
  }
  return text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l.length > 0);
}
