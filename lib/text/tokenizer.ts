import { endianness } from 'node:os';
import { YoloeTrtError, invalidOption } from '../errors.js';
import { checkKnownKeys, optEnum, optNumber, optObject } from '../validate.js';
import { BpeVocab, CLIP_VOCAB_FILE, EOT_ID, SOT_ID, loadBpeVocab } from './bpe-vocab.js';
import { ftfyFixText } from './ftfy.js';
import { htmlUnescape } from './html-unescape.js';
import { WHITE_SPACE_CLASS, collapseWhiteSpace, pyLower, pyStrip } from './python-text.js';

/**
 * open_clip's `SimpleTokenizer` (clean='lower', the tokenizer of MobileCLIP and so of YOLOE's text
 * path), id for id: clean -> pre-tokenize -> byte-level BPE -> [SOT] ids [EOT], 77 wide.
 */

export interface TokenizeOptions {
  /** CLIP BPE file (`bpe_simple_vocab_16e6.txt.gz`) path or its bytes; default: the vocab passed last (to tokenize or loadTextEncoder) */
  vocab?: string | Buffer;
  /** tokens per text (default 77, CLIP's context); longer texts are cut keeping the final EOT */
  contextLength?: number;
  /** element type of `ids` (default 'int64', what the ONNX text encoder takes) */
  dtype?: 'int64' | 'int32';
}

export interface TokenizeResult {
  /** count x contextLength ids, row-major: 49406, ids..., 49407, then 0 padding */
  ids: BigInt64Array | Int32Array;
  count: number;
  contextLength: number;
}

/** open_clip's clean='lower': ftfy.fix_text, html.unescape twice, strip, \s+ -> ' ', strip, lower(). */
export function cleanText(text: string): string {
  const basic = pyStrip(htmlUnescape(htmlUnescape(ftfyFixText(text))));
  return pyLower(pyStrip(collapseWhiteSpace(basic)));
}

/** open_clip's pre-tokenizer (flag IGNORECASE: `'ſ` is `'s`); `\s` is Unicode White_Space. */
const PIECE_RE = new RegExp(
  `<start_of_text>|<end_of_text>|'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^${WHITE_SPACE_CLASS}\\p{L}\\p{N}]+`,
  'giu',
);
const SPECIAL: Readonly<Record<string, number>> = { '<start_of_text>': SOT_ID, '<end_of_text>': EOT_ID };

/** The pre-tokenizer's pieces of an already cleaned text. */
export function splitPieces(cleaned: string): string[] {
  return cleaned.match(PIECE_RE) ?? [];
}

/**
 * BPE ids of one text, without SOT/EOT framing. With `limit`, stops after the piece that reaches
 * `limit` ids: pieces are encoded independently, so the ids before the cut are exact.
 */
export function encodeText(vocab: BpeVocab, text: string, limit = Infinity): number[] {
  const ids: number[] = [];
  for (const piece of splitPieces(cleanText(text))) {
    if (ids.length >= limit) break;
    const special = SPECIAL[piece];
    if (special !== undefined) {
      ids.push(special);
      continue;
    }
    let symbols = '';
    for (const b of Buffer.from(piece, 'utf8')) symbols += vocab.byteSymbols[b];
    ids.push(...vocab.encodePiece(symbols));
  }
  return ids;
}

const LITTLE_ENDIAN = endianness() === 'LE';
let lastVocab: BpeVocab | undefined;

/** Remembers a vocabulary a caller passed, as the default of later calls without one. */
export function rememberVocab(vocab: BpeVocab): BpeVocab {
  lastVocab = vocab;
  return vocab;
}

/** The vocabulary passed last (to tokenize or loadTextEncoder), if any. */
export function lastVocabUsed(): BpeVocab | undefined {
  return lastVocab;
}

/** The vocab option, or the one passed last; a typed error says what to pass when there is none. */
export function resolveVocab(vocab: unknown, option = 'options.vocab'): BpeVocab {
  if (vocab !== undefined && typeof vocab !== 'string' && !Buffer.isBuffer(vocab)) {
    throw invalidOption(option, `a path to ${CLIP_VOCAB_FILE} or its bytes (Buffer)`, vocab);
  }
  if (typeof vocab === 'string' && vocab.length === 0) throw invalidOption(option, `a path to ${CLIP_VOCAB_FILE}`, vocab);
  if (vocab !== undefined) return rememberVocab(loadBpeVocab(vocab));
  if (lastVocab) return lastVocab;
  throw new YoloeTrtError(
    'ERR_FILE_NOT_FOUND',
    `No CLIP BPE vocabulary: pass ${option} (the ${CLIP_VOCAB_FILE} that ships with open_clip / CLIP / MobileCLIP); ` +
      'it is remembered for later calls, and loadTextEncoder also finds it beside the text encoder',
    { option },
  );
}

/** Validates a list of texts: an array of strings (tokenize accepts empty ones, as open_clip does). */
export function checkTexts(texts: unknown, option: string): readonly string[] {
  if (!Array.isArray(texts)) throw invalidOption(option, 'an array of strings', texts);
  texts.forEach((t, i) => {
    if (typeof t !== 'string') throw invalidOption(`${option}[${i}]`, 'a string', t);
  });
  return texts as readonly string[];
}

/**
 * Tokenizes texts as open_clip's `tokenize(texts, context_length)`: `[SOT] + ids + [EOT]`, cut to
 * `contextLength` with the last position set to EOT, 0-padded. Identical to open_clip on the
 * 1,881 goldens of the fixtures (ftfy fixes, HTML entities, Python whitespace and lower-casing).
 */
export function tokenize(texts: readonly string[], options: TokenizeOptions = {}): TokenizeResult {
  const list = checkTexts(texts, 'texts');
  const opts = optObject('options', options);
  checkKnownKeys('tokenize', opts, ['vocab', 'contextLength', 'dtype']);
  const contextLength = optNumber('options.contextLength', opts.contextLength, 77, 2, 4096, { integer: true });
  const dtype = optEnum('options.dtype', opts.dtype, ['int64', 'int32'] as const, 'int64');
  return tokenizeWith(resolveVocab(opts.vocab), list, contextLength, dtype);
}

/** tokenize() with a loaded vocabulary and checked arguments. */
export function tokenizeWith(vocab: BpeVocab, list: readonly string[], contextLength: number, dtype: 'int64' | 'int32'): TokenizeResult {
  const rows = new Int32Array(list.length * contextLength);
  list.forEach((text, r) => {
    // contextLength - 1 ids are enough to know the text is cut (SOT + ids + EOT > contextLength).
    const ids = [SOT_ID, ...encodeText(vocab, text, contextLength - 1), EOT_ID];
    if (ids.length > contextLength) {
      ids.length = contextLength;
      ids[contextLength - 1] = EOT_ID;
    }
    rows.set(ids, r * contextLength);
  });
  if (dtype === 'int32') return { ids: rows, count: list.length, contextLength };
  // Ids are 0..49407: write the low words of the little-endian int64s (BigInt conversion is slow).
  if (!LITTLE_ENDIAN) return { ids: BigInt64Array.from(rows, (v) => BigInt(v)), count: list.length, contextLength };
  const ids = new BigInt64Array(rows.length);
  const words = new Int32Array(ids.buffer);
  for (let i = 0; i < rows.length; i++) words[2 * i] = rows[i]!;
  return { ids, count: list.length, contextLength };
}
