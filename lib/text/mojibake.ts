import { TEXT_TABLES } from './tables.generated.js';

/**
 * ftfy 6.3.1's mojibake detection and repair (`fix_encoding`): text that was UTF-8 but got decoded
 * with a single-byte codec is re-encoded with that codec and decoded as UTF-8, when ftfy's
 * "badness" heuristic says the text looks like mojibake. The character data comes from ftfy itself
 * (scripts/text/make-text-tables.py); the logic here is our own reading of its documented steps.
 */

type Ranges = readonly (readonly number[])[];
const CAT = TEXT_TABLES.mojibakeCategories;
const CLUES = TEXT_TABLES.utf8Clues;

/** A regex character-class body (no brackets) for code point ranges, for the `u` flag. */
function classBody(...sets: Ranges[]): string {
  const hex = (cp: number) => `\\u{${cp.toString(16)}}`;
  return sets.flat().map(([lo, hi]) => (lo === hi ? hex(lo!) : `${hex(lo!)}-${hex(hi!)}`)).join('');
}
const lit = (chars: string) => [...chars].map((c) => [c.codePointAt(0)!, c.codePointAt(0)!]);

const c1 = classBody(CAT.c1);
const bad = classBody(CAT.bad);
const law = classBody(CAT.law);
const cur = classBody(CAT.currency);
const sp = classBody(CAT.start_punctuation);
const ep = classBody(CAT.end_punctuation);
const num = classBody(CAT.numeric);
const kao = classBody(CAT.kaomoji);
const ua = classBody(CAT.upper_accented);
const la = classBody(CAT.lower_accented);
const uc = classBody(CAT.upper_common);
const lc = classBody(CAT.lower_common);
const box = classBody(CAT.box);
const common = classBody(CAT.common);
// Python `re` on str: `\s` is str.isspace(), `\w` is alphanumeric or underscore.
const PY_S = '[\\p{White_Space}\\u001c-\\u001f]';
const PY_W = '[\\p{L}\\p{N}_]';

/** The sequences ftfy's `badness` counts as "unlikely in intended text" (ftfy/badness.py). */
const BADNESS_RE = new RegExp(
  [
    `[${c1}]`,
    `[${bad}${la}${ua}${box}${sp}${ep}${cur}${num}${law}][${bad}]`,
    `[a-zA-Z][${lc}${uc}][${bad}]`,
    `[${bad}][${la}${ua}${box}${sp}${ep}${cur}${num}${law}]`,
    `[${la}${lc}${box}${ep}${cur}${num}][${ua}]`,
    `[${box}${ep}${cur}${num}][${la}]`,
    `[${la}${box}${ep}][${cur}]`,
    `${PY_S}[${ua}][${cur}]`,
    `[${ua}${box}][${num}${law}]`,
    `[${la}${ua}${box}${cur}${ep}][${sp}][${num}]`,
    `[${la}${ua}${cur}${num}${box}${law}][${ep}][${sp}]`,
    `[${cur}${num}${box}][${sp}]`,
    `[a-z][${ua}][${sp}${cur}]`,
    `[${box}][${kao}]`,
    `[${la}${ua}${cur}${num}${sp}${ep}${law}][${box}]`,
    `[${box}][${ep}]`,
    `[${la}${ua}][${sp}${ep}]${PY_W}`,
    '[Œœ][^A-Za-z]',
    `[${ua}]°`,
    `[ÂÃÎÐ][€œŠš¢£Ÿž\\u00a0\\u00ad®©°·»${sp}${ep}–—´]`,
    '×[²³]',
    `[ØÙ][${common}${cur}${bad}${num}${sp}ŸŠ®°µ»][ØÙ][${common}${cur}${bad}${num}${sp}ŸŠ®°µ»]`,
    'à[²µ¹¼½¾]',
    '√[±∂†≠®™´≤≥¥µø]',
    '≈[°¢]',
    '‚Ä[ìîïòôúùû†°¢π]',
    '‚[âó][àä°ê]',
    'вЂ',
    `[ВГРС][${c1}${bad}${sp}${ep}${cur}°µ][ВГРС]`,
    'ГўВЂВ.[A-Za-z ]',
    'Ã[\\u00a0¡]',
    `[a-z]${PY_S}?[ÃÂ][ ]`,
    '^[ÃÂ][ ]',
    `[a-z.,?!${ep}]Â[ ${sp}${ep}]`,
    'β€[™\\u00a0Ά\\u00ad®°]',
    `[ΒΓΞΟ][${c1}${bad}${sp}${ep}${cur}°][ΒΓΞΟ]`,
    'ā€',
  ].join('|'),
  'u',
);

/** ftfy `is_bad`: does the text contain a sequence that is likely mojibake? */
export function isBad(text: string): boolean {
  return BADNESS_RE.test(text);
}

/** ftfy's UTF8_DETECTOR_RE: runs that look like UTF-8 bytes decoded one byte per character. */
const UTF8_DETECTOR_RE = new RegExp(
  `(?<![${classBody(CLUES.utf8_continuation_strict)}])(?:` +
    `[${classBody(CLUES.utf8_first_of_2)}][${classBody(CLUES.utf8_continuation)}]` +
    `|[${classBody(CLUES.utf8_first_of_3)}][${classBody(CLUES.utf8_continuation)}]{2}` +
    `|[${classBody(CLUES.utf8_first_of_4)}][${classBody(CLUES.utf8_continuation)}]{3})+`,
  'gu',
);

interface Charmap {
  readonly name: string;
  readonly encode: ReadonlyMap<string, number>;
}

/** The single-byte codecs ftfy tries, in its order; "sloppy" ones decode undefined bytes as Latin-1. */
const CHARMAPS: readonly Charmap[] = TEXT_TABLES.charmaps.map(({ name, high, sub }) => {
  const encode = new Map<string, number>();
  for (let b = 0; b < 0x80; b++) if (b !== 0x1a) encode.set(String.fromCharCode(b), b);
  encode.set(sub, 0x1a);
  [...high].forEach((ch, i) => encode.set(ch, 0x80 + i));
  return { name, encode };
});
const LATIN1 = CHARMAPS.find((c) => c.name === 'latin-1')!;
/** Bytes Python's strict cp1252 leaves undefined (the sloppy codec maps them to U+0081 ...). */
const CP1252_UNDEFINED = new Set([0x81, 0x8d, 0x8f, 0x90, 0x9d]);
const CP1252 = CHARMAPS.find((c) => c.name === 'sloppy-windows-1252')!;
const CP1252_DECODE = new Map<number, string>([...CP1252.encode].map(([ch, b]) => [b, ch]));

function encodeWith(text: string, map: Charmap): Uint8Array | undefined {
  const out = new Uint8Array(text.length);
  let n = 0;
  for (const ch of text) {
    const b = map.encode.get(ch);
    if (b === undefined) return undefined;
    out[n++] = b;
  }
  return out.subarray(0, n);
}

// Byte-level regexes run on "binary strings" (one char per byte, char code = byte value).
const toBinary = (bytes: Uint8Array) => Buffer.from(bytes).toString('latin1');
const fromBinary = (s: string) => new Uint8Array(Buffer.from(s, 'latin1'));

const ALTERED_UTF8_RE = new RegExp(
  '[\\xc2\\xc3\\xc5\\xce\\xd0\\xd9] ' +
    '|[\\xe2\\xe3] [\\x80-\\x84\\x86-\\x9f\\xa1-\\xbf]' +
    '|[\\xe0-\\xe3][\\x80-\\x84\\x86-\\x9f\\xa1-\\xbf] ' +
    '|\\xf0 [\\x80-\\xbf][\\x80-\\xbf]' +
    '|\\xf0[\\x80-\\xbf] [\\x80-\\xbf]' +
    '|\\xf0[\\x80-\\xbf][\\x80-\\xbf] ',
  'g',
);
const A_GRAVE_WORD_RE = /\xc3 (?! |quele|quela|quilo|s )/g;
const LOSSY_UTF8_RE = new RegExp(
  '[\\xc2-\\xdf]\\x1a' +
    '|[\\xc2-\\xc3][?]' +
    '|\\xed[\\xa0-\\xaf][\\x1a?]\\xed[\\xb0-\\xbf][\\x1a?\\x80-\\xbf]' +
    '|\\xed[\\xa0-\\xaf][\\x1a?\\x80-\\xbf]\\xed[\\xb0-\\xbf][\\x1a?]' +
    '|[\\xe0-\\xef][\\x1a?][\\x1a\\x80-\\xbf]' +
    '|[\\xe0-\\xef][\\x1a\\x80-\\xbf][\\x1a?]' +
    '|[\\xf0-\\xf4][\\x1a?][\\x1a\\x80-\\xbf][\\x1a\\x80-\\xbf]' +
    '|[\\xf0-\\xf4][\\x1a\\x80-\\xbf][\\x1a?][\\x1a\\x80-\\xbf]' +
    '|[\\xf0-\\xf4][\\x1a\\x80-\\xbf][\\x1a\\x80-\\xbf][\\x1a?]' +
    '|\\x1a',
  'g',
);

/** ftfy `restore_byte_a0`: UTF-8 whose 0xA0 continuation byte became a space. */
function restoreByteA0(bytes: Uint8Array): Uint8Array {
  const s = toBinary(bytes).replace(A_GRAVE_WORD_RE, '\xc3\xa0 ').replace(ALTERED_UTF8_RE, (m) => m.replaceAll(' ', '\xa0'));
  return fromBinary(s);
}

/** ftfy `replace_lossy_sequences`: UTF-8 sequences with a byte lost to `?` or 0x1A become U+FFFD. */
function replaceLossySequences(bytes: Uint8Array): Uint8Array {
  return fromBinary(toBinary(bytes).replace(LOSSY_UTF8_RE, '\xef\xbf\xbd'));
}

const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });

/** Strict UTF-8, or ftfy's "utf-8-variants" (CESU-8 surrogate pairs, Java's C0 80 for NUL). */
function decodeUtf8(bytes: Uint8Array, variants: boolean): string | undefined {
  let input = bytes;
  if (variants) {
    const s = toBinary(bytes)
      .replace(/\xc0\x80/g, '\x00')
      .replace(/\xed([\xa0-\xaf])([\x80-\xbf])\xed([\xb0-\xbf])([\x80-\xbf])/g, (_m, a: string, b: string, c: string, d: string) => {
        const cp = ((a.charCodeAt(0) & 0x0f) << 16) + ((b.charCodeAt(0) & 0x3f) << 10) + ((c.charCodeAt(0) & 0x0f) << 6) + (d.charCodeAt(0) & 0x3f) + 0x10000;
        return toBinary(new TextEncoder().encode(String.fromCodePoint(cp)));
      });
    input = fromBinary(s);
  }
  try {
    return STRICT_UTF8.decode(input);
  } catch {
    return undefined;
  }
}

const C1_RE = /[\x80-\x9f]/g;

/** ftfy `fix_c1_controls`: a C1 control character is a Windows-1252 character read as Latin-1. */
export function fixC1Controls(text: string): string {
  return text.replace(C1_RE, (ch) => CP1252_DECODE.get(ch.charCodeAt(0))!);
}

function decodeInconsistentUtf8(text: string): string {
  return text.replace(UTF8_DETECTOR_RE, (sub) => (sub.length < text.length && isBad(sub) ? fixEncoding(sub) : sub));
}

function fixEncodingStep(text: string): string {
  if (text.length === 0 || /^[\x00-\x7f]*$/.test(text) || !isBad(text)) return text;
  const possible: Charmap[] = [];
  for (const map of CHARMAPS) {
    let bytes = encodeWith(text, map);
    if (!bytes) continue;
    possible.push(map);
    if (map.name !== 'macroman' && new RegExp(ALTERED_UTF8_RE.source).test(toBinary(bytes))) bytes = restoreByteA0(bytes);
    if (map.name.startsWith('sloppy')) bytes = replaceLossySequences(bytes);
    const fixed = decodeUtf8(bytes, bytes.includes(0xed) || bytes.includes(0xc0));
    if (fixed !== undefined) return fixed;
  }
  if (new RegExp(UTF8_DETECTOR_RE.source, 'u').test(text)) {
    const fixed = decodeInconsistentUtf8(text);
    if (fixed !== text) return fixed;
  }
  // Latin-1 with C1 controls was probably Windows-1252. ftfy compares against the name
  // "windows-1252", which its list spells "sloppy-windows-1252", so it always tries this.
  if (possible.includes(LATIN1)) {
    const bytes = encodeWith(text, LATIN1)!;
    if (!bytes.some((b) => CP1252_UNDEFINED.has(b))) {
      const fixed = [...bytes].map((b) => (b < 0x80 ? String.fromCharCode(b) : CP1252_DECODE.get(b)!)).join('');
      if (fixed !== text) return fixed;
    }
  }
  if (/[\x80-\x9f]/.test(text)) return fixC1Controls(text);
  return text;
}

/** ftfy `fix_encoding`: repeats one repair step until the text stops changing. */
export function fixEncoding(text: string): string {
  for (;;) {
    const next = fixEncodingStep(text);
    if (next === text) return text;
    text = next;
  }
}
