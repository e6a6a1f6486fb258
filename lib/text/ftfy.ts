import { htmlUnescape } from './html-unescape.js';
import { fixC1Controls, fixEncoding } from './mojibake.js';
import { TEXT_TABLES } from './tables.generated.js';

/**
 * `ftfy.fix_text(text)` of ftfy 6.3.1 with its default configuration, the first step of
 * open_clip's text cleaning. Checked against ftfy itself (test/golden/ftfy-golden.json) and on
 * the CLIP tokenizer goldens.
 */

const FTFY_ENTITIES: Readonly<Record<string, string>> = TEXT_TABLES.ftfyEntities;
const HTML_ENTITY_RE = /&#?[0-9A-Za-z]{1,24};/g;

/** ftfy `unescape_html`: only complete `&...;` references; numeric ones through html.unescape. */
function unescapeHtml(text: string): string {
  return text.replace(HTML_ENTITY_RE, (ref) => {
    const known = FTFY_ENTITIES[ref];
    if (known !== undefined) return known;
    if (ref.startsWith('&#')) {
      const unescaped = htmlUnescape(ref);
      return unescaped.includes(';') ? ref : unescaped;
    }
    return ref;
  });
}

/** A `str.translate`-style single-character replacement. */
function translator(map: Readonly<Record<string, string>>): (text: string) => string {
  const re = new RegExp(`[${Object.keys(map).map((c) => `\\u{${c.codePointAt(0)!.toString(16)}}`).join('')}]`, 'gu');
  return (text) => text.replace(re, (ch) => map[ch]!);
}
const fixLatinLigatures = translator(TEXT_TABLES.ligatures);
const fixCharacterWidth = translator(TEXT_TABLES.widthMap);

const CONTROL_RE = new RegExp(
  `[${TEXT_TABLES.controlChars.map(([lo, hi]) => `\\u{${lo!.toString(16)}}-\\u{${hi!.toString(16)}}`).join('')}]`,
  'gu',
);
const ANSI_RE = /\x1b\[((?:\p{Nd}|;)*)([a-zA-Z])/gu;

const fixes: readonly ((text: string) => string)[] = [
  (t) => (/[\x80-\x9f]/.test(t) ? fixC1Controls(t) : t),
  fixLatinLigatures,
  fixCharacterWidth,
  // uncurl_quotes
  (t) => t.replace(/[\u201c-\u201f]/g, '"').replace(/[\u02bc\u2018-\u201b]/g, "'"),
  // fix_line_breaks
  (t) => t.replace(/\r\n/g, '\n').replace(/[\r\u2028\u2029\u0085]/g, '\n'),
  // fix_surrogates: a JS string keeps valid pairs as one code point already; lone halves -> U+FFFD
  (t) => t.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd'),
  // remove_terminal_escapes
  (t) => t.replace(ANSI_RE, ''),
  // remove_control_chars
  (t) => t.replace(CONTROL_RE, ''),
];

/** ftfy `fix_and_explain` without the explanation: every fix, repeated until nothing changes. */
function fixSegment(text: string, unescape: boolean): string {
  for (;;) {
    const orig = text;
    if (unescape) text = unescapeHtml(text);
    text = fixEncoding(text);
    for (const fix of fixes) text = fix(text);
    text = text.normalize('NFC');
    if (text === orig) return text;
  }
}

/**
 * ftfy `fix_text`: fixes line by line. `unescape_html='auto'` turns HTML unescaping off for
 * the line that contains `<` and every line after it (the text "looks like HTML").
 */
export function ftfyFixText(text: string): string {
  // Printable ASCII, tab and newline without '&': no fix applies (most prompts).
  if (/^[\t\n\x20-\x25\x27-\x7e]*$/.test(text)) return text;
  const out: string[] = [];
  let unescape = true;
  let pos = 0;
  while (pos < text.length) {
    const nl = text.indexOf('\n', pos);
    const end = nl < 0 ? text.length : nl + 1;
    const segment = text.slice(pos, end);
    if (unescape && segment.includes('<')) unescape = false;
    out.push(fixSegment(segment, unescape));
    pos = end;
  }
  return out.join('');
}
