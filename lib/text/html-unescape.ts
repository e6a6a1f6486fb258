import { TEXT_TABLES } from './tables.generated.js';

/**
 * Python's `html.unescape` (CPython 3.11, HTML5 rules): named references with or without `;`
 * (the longest known prefix wins, as browsers do), numeric references with the WHATWG fix-ups.
 */
const HTML5: Readonly<Record<string, string>> = TEXT_TABLES.html5;
const INVALID_CHARREFS: Readonly<Record<string, string>> = TEXT_TABLES.invalidCharrefs;
const INVALID_CODEPOINTS = new Set<number>(TEXT_TABLES.invalidCodepoints);

const CHARREF_RE = /&(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\t\n\f <&#;]{1,32};?)/g;

function replaceCharref(ref: string): string {
  if (ref[0] === '#') {
    const hex = ref[1] === 'x' || ref[1] === 'X';
    const digits = ref.slice(hex ? 2 : 1).replace(/;$/, '');
    const num = Number.parseInt(digits, hex ? 16 : 10);
    // Python ints do not overflow; anything this large is past U+10FFFF either way.
    const code = Number.isSafeInteger(num) ? num : Number.MAX_SAFE_INTEGER;
    const fixed = INVALID_CHARREFS[String(code)];
    if (fixed !== undefined) return fixed;
    if ((code >= 0xd800 && code <= 0xdfff) || code > 0x10ffff) return '\ufffd';
    if (INVALID_CODEPOINTS.has(code)) return '';
    return String.fromCodePoint(code);
  }
  const exact = HTML5[ref];
  if (exact !== undefined) return exact;
  for (let x = ref.length - 1; x > 1; x--) {
    const prefix = HTML5[ref.slice(0, x)];
    if (prefix !== undefined) return prefix + ref.slice(x);
  }
  return `&${ref}`;
}

/** Python `html.unescape(text)`. */
export function htmlUnescape(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(CHARREF_RE, (_m, ref: string) => replaceCharref(ref));
}
