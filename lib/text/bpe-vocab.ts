import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { YoloeTrtError, describeValue } from '../errors.js';

/** The file CLIP, open_clip and MobileCLIP ship: gzip'd merge list, header line then merges. */
export const CLIP_VOCAB_FILE = 'bpe_simple_vocab_16e6.txt.gz';
/** CLIP uses the first 49152 - 256 - 2 merges of the file; the rest are ignored. */
const MERGES_USED = 49152 - 256 - 2;
export const SOT_ID = 49406;
export const EOT_ID = 49407;

/**
 * The CLIP BPE vocabulary: GPT-2's byte alphabet, the same 256 symbols + `</w>`, one symbol per
 * merge, then `<start_of_text>` / `<end_of_text>` (ids 49406 / 49407).
 */
export class BpeVocab {
  /** byte value -> its printable symbol (GPT-2 byte alphabet) */
  readonly byteSymbols: readonly string[];
  private readonly ids = new Map<string, number>();
  private readonly ranks = new Map<string, number>();
  /** piece (as byte symbols) -> ids; bounded so arbitrary input cannot grow it without limit */
  private readonly pieceCache = new Map<string, readonly number[]>();

  constructor(text: string, source: string) {
    const lines = text.split('\n');
    if (!lines[0]?.includes('version') || lines.length < MERGES_USED + 1) {
      throw new YoloeTrtError(
        'ERR_FILE_FORMAT',
        `Not a CLIP BPE vocabulary (${CLIP_VOCAB_FILE}): ${source} has ${lines.length} lines, expected a version header and >= ${MERGES_USED} merges`,
        { path: source },
      );
    }
    this.byteSymbols = BYTE_SYMBOLS;
    const vocab = [...ALPHABET, ...ALPHABET.map((s) => `${s}</w>`)];
    for (let i = 1; i <= MERGES_USED; i++) {
      const parts = lines[i]!.split(/ +/).filter((p) => p !== '');
      if (parts.length !== 2) {
        throw new YoloeTrtError('ERR_FILE_FORMAT', `Bad merge on line ${i + 1} of ${source}: ${describeValue(lines[i])}`, { path: source });
      }
      this.ranks.set(`${parts[0]} ${parts[1]}`, i - 1);
      vocab.push(parts[0]! + parts[1]!);
    }
    vocab.push('<start_of_text>', '<end_of_text>');
    vocab.forEach((s, id) => this.ids.set(s, id));
  }

  /** Ids of one pre-tokenized piece, already mapped to byte symbols. */
  encodePiece(symbols: string): readonly number[] {
    const cached = this.pieceCache.get(symbols);
    if (cached) return cached;
    const ids = this.bpe(symbols).map((s) => this.ids.get(s)!);
    if (this.pieceCache.size >= 100_000) this.pieceCache.clear();
    this.pieceCache.set(symbols, ids);
    return ids;
  }

  /** Merges the lowest-ranked adjacent pair (every occurrence, left to right) until none is known. */
  private bpe(token: string): string[] {
    const chars = [...token];
    let word = [...chars.slice(0, -1), `${chars[chars.length - 1]}</w>`];
    while (word.length > 1) {
      let best = Infinity;
      let first = '';
      let second = '';
      for (let i = 0; i + 1 < word.length; i++) {
        const rank = this.ranks.get(`${word[i]} ${word[i + 1]}`);
        if (rank !== undefined && rank < best) [best, first, second] = [rank, word[i]!, word[i + 1]!];
      }
      if (best === Infinity) break;
      const merged: string[] = [];
      for (let i = 0; i < word.length; i++) {
        if (word[i] === first && word[i + 1] === second && i + 1 < word.length) {
          merged.push(first + second);
          i++;
        } else {
          merged.push(word[i]!);
        }
      }
      word = merged;
    }
    return word;
  }
}

/** GPT-2's reversible byte -> printable character map (printable bytes keep their code point). */
const isPrintableByte = (b: number) => (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
const BYTES = Array.from({ length: 256 }, (_, b) => b);
/** The other 68 bytes map, in increasing order, to U+0100, U+0101, ... */
const OTHER_BYTES = BYTES.filter((b) => !isPrintableByte(b));
const BYTE_SYMBOLS: readonly string[] = BYTES.map((b) => String.fromCharCode(isPrintableByte(b) ? b : 256 + OTHER_BYTES.indexOf(b)));
/** Vocabulary order of the 256 byte symbols: printable bytes first, then the others. */
const ALPHABET: readonly string[] = [...BYTES.filter(isPrintableByte), ...OTHER_BYTES].map((b) => BYTE_SYMBOLS[b]!);

const byPath = new Map<string, BpeVocab>();

/** Loads (once per resolved path) a vocabulary from a path, or parses the given bytes. */
export function loadBpeVocab(vocab: string | Buffer): BpeVocab {
  if (typeof vocab !== 'string') return new BpeVocab(gunzipOrThrow(vocab, 'the given bytes'), 'the given bytes');
  const path = resolve(vocab);
  const hit = byPath.get(path);
  if (hit) return hit;
  if (!existsSync(path)) {
    throw new YoloeTrtError('ERR_FILE_NOT_FOUND', `CLIP BPE vocabulary not found: ${path}`, { path });
  }
  const loaded = new BpeVocab(gunzipOrThrow(readFileSync(path), path), path);
  byPath.set(path, loaded);
  return loaded;
}

function gunzipOrThrow(bytes: Buffer, source: string): string {
  try {
    return gunzipSync(bytes).toString('utf8');
  } catch (cause) {
    throw new YoloeTrtError('ERR_FILE_FORMAT', `Not a gzip'd CLIP BPE vocabulary (${CLIP_VOCAB_FILE}): ${source}`, { path: source }, { cause });
  }
}
