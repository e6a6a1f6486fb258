import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { YoloeTrtError } from '../lib/errors.js';
import { cleanText, splitPieces, tokenize } from '../lib/text/index.js';
import { ftfyFixText } from '../lib/text/ftfy.js';
import { htmlUnescape } from '../lib/text/html-unescape.js';
import { fixture } from './fixtures.js';

interface GoldenEntry {
  group: string;
  text: string;
  ids: number[];
  length: number;
  eot_index: number;
  truncated: boolean;
  cleaned: string;
  pieces: string[];
  needs_ftfy?: boolean;
}

const VOCAB = () => fixture('clip', 'bpe_simple_vocab_16e6.txt.gz');
const golden = () => JSON.parse(readFileSync(fixture('clip', 'tokenizer-golden.json'), 'utf8')) as { entries: GoldenEntry[] };
const ids1 = (text: string, contextLength = 77) => [...tokenize([text], { vocab: VOCAB(), dtype: 'int32', contextLength }).ids];
const SOT = 49406;
const EOT = 49407;

describe('CLIP tokenizer: open_clip SimpleTokenizer goldens', () => {
  it('gives the ids of all 1,881 golden strings (one batch), int64 by default', () => {
    const { entries } = golden();
    expect(entries.length).toBe(1881);
    const out = tokenize(entries.map((e) => e.text), { vocab: VOCAB() });
    expect(out.ids).toBeInstanceOf(BigInt64Array);
    expect(out.count).toBe(1881);
    expect(out.contextLength).toBe(77);
    const wrong: string[] = [];
    entries.forEach((e, i) => {
      const row = Array.from(out.ids.subarray(i * 77, (i + 1) * 77), Number);
      if (JSON.stringify(row) !== JSON.stringify(e.ids)) wrong.push(JSON.stringify(e.text));
    });
    expect(wrong).toEqual([]);
  });

  it('cleans and splits every golden string as open_clip does (ftfy, html, whitespace, lower)', () => {
    const wrong = golden().entries.filter((e) => cleanText(e.text) !== e.cleaned || JSON.stringify(splitPieces(e.cleaned)) !== JSON.stringify(e.pieces));
    expect(wrong.map((e) => e.text)).toEqual([]);
  });

  it('repairs the 12 strings flagged needs_ftfy with its own ftfy port (not by the later steps)', () => {
    const flagged = golden().entries.filter((e) => e.needs_ftfy);
    expect(flagged.length).toBe(12);
    for (const e of flagged) {
      expect(ftfyFixText(e.text)).not.toBe(e.text);
      expect(cleanText(e.text)).toBe(e.cleaned);
    }
  });

  it('truncated goldens end with EOT at 76 and the first EOT is where the encoder reads', () => {
    const entries = golden().entries;
    const out = tokenize(entries.map((e) => e.text), { vocab: VOCAB(), dtype: 'int32' });
    const truncated = entries.filter((e) => e.truncated);
    expect(truncated.length).toBeGreaterThan(0);
    entries.forEach((e, i) => {
      const row = [...out.ids.subarray(i * 77, (i + 1) * 77)];
      expect(row.indexOf(EOT)).toBe(e.eot_index);
      expect(row.filter((v) => v !== 0).length).toBe(e.length);
      if (e.truncated) expect(row[76]).toBe(EOT);
    });
  });
});

describe('CLIP tokenizer: framing and truncation', () => {
  it('75 one-token words fit exactly; 76 truncate to 77 keeping the EOT last', () => {
    const a = ids1(Array(75).fill('a').join(' '));
    expect(a.length).toBe(77);
    expect(a[0]).toBe(SOT);
    expect(a[76]).toBe(EOT);
    expect(a.slice(1, 76).every((v) => v === 320)).toBe(true); // 'a</w>'
    const b = ids1(Array(76).fill('a').join(' '));
    expect(b[76]).toBe(EOT);
    expect(b.slice(1, 76).every((v) => v === 320)).toBe(true);
    const c = ids1(Array(74).fill('a').join(' '));
    expect(c[75]).toBe(EOT);
    expect(c[76]).toBe(0);
  });

  it('honours contextLength and pads with 0', () => {
    expect(ids1('a photo of a dog', 8)).toEqual([SOT, 320, 1125, 539, 320, 1929, EOT, 0]);
    expect(ids1('a photo of a dog', 4)).toEqual([SOT, 320, 1125, EOT]);
    expect(ids1('')).toEqual([SOT, EOT, ...Array(75).fill(0)]);
  });

  it('int32 and int64 give the same values', () => {
    const texts = ['person', 'a red bus', 'ＬＯＵＤ　ＮＯＩＳＥＳ'];
    const a = tokenize(texts, { vocab: VOCAB(), dtype: 'int32' });
    const b = tokenize(texts, { vocab: VOCAB(), dtype: 'int64' });
    expect(a.ids).toBeInstanceOf(Int32Array);
    expect(Array.from(b.ids, Number)).toEqual([...a.ids]);
  });

  it('special-token spellings: open_clip\'s become SOT/EOT, OpenAI\'s are plain text', () => {
    expect(ids1('<end_of_text>').slice(0, 4)).toEqual([SOT, EOT, EOT, 0]);
    expect(ids1('<START_OF_TEXT>').slice(0, 4)).toEqual([SOT, SOT, EOT, 0]);
    expect(ids1('<|endoftext|>').slice(1, 3)).not.toContain(EOT);
    const mid = ids1('a <end_of_text> b');
    expect(mid.indexOf(EOT)).toBe(2);
  });
});

describe('CLIP tokenizer: Python semantics traps', () => {
  it('Python whitespace: U+0085 and U+3000 are whitespace; U+FEFF and ZWSP are not (JS \\s differs)', () => {
    expect(splitPieces('a\u0085b')).toEqual(['a', 'b']);
    expect(cleanText('ideographic\u3000space')).toBe('ideographic space');
    expect(cleanText('zero\u200bwidth')).toBe('zero\u200bwidth');
    // ftfy drops the BOM; the pre-tokenizer alone would keep it as a piece (JS \s would drop it)
    expect(splitPieces('a\ufeffb')).toEqual(['a', '\ufeff', 'b']);
    expect(cleanText('\u00a0nbsp\u00a0\t\n')).toBe('nbsp');
  });

  it('Python lower(): İ -> i̇, final sigma, Roman numerals', () => {
    expect(cleanText('İstanbul')).toBe('i\u0307stanbul');
    expect(cleanText('ΣΟΦΙΑΣ')).toBe('σοφιας');
    expect(cleanText('Ⅻ')).toBe('ⅻ');
    expect(cleanText('STRASSE')).toBe('strasse');
  });

  it('pre-tokenizer: digits one per piece, contractions, IGNORECASE (\'ſ is \'s), \\p{L} runs', () => {
    expect(splitPieces('1234')).toEqual(['1', '2', '3', '4']);
    expect(splitPieces("dog's")).toEqual(['dog', "'s"]);
    expect(splitPieces("dog'ſ")).toEqual(['dog', "'ſ"]);
    expect(splitPieces('c++ 猫dog')).toEqual(['c', '++', '猫dog']);
    expect(splitPieces('e\u0301')).toEqual(['e', '\u0301']);
  });

  it('HTML: html.unescape twice after ftfy; ftfy skips lines containing "<"', () => {
    expect(cleanText('&amp;amp;amp;')).toBe('&');
    expect(cleanText('<i>&amp;amp;</i>')).toBe('<i>&</i>'); // no ftfy unescape (has '<'), then two html.unescape
    expect(htmlUnescape('&ampx &copy2024 &#128054; &#x80; &#0; &unknown;')).toBe('&x ©2024 🐶 € \ufffd &unknown;');
    expect(cleanText('caf&eacute;')).toBe('café');
    expect(ftfyFixText('&EACUTE;')).toBe('É'); // ftfy's own upper-case entity spellings
  });

  it('ftfy fixes: quotes, mojibake, width, ligatures, NFC, escapes, controls, C1', () => {
    expect(ftfyFixText('dog\u2019s')).toBe("dog's");
    expect(ftfyFixText('\u201cq\u201d')).toBe('"q"');
    expect(ftfyFixText('cafÃ©')).toBe('café');
    expect(ftfyFixText('doesnâ€™t')).toBe("doesn't");
    expect(ftfyFixText('Ã\u00a0 la carte')).toBe('à la carte');
    expect(ftfyFixText('ＬＯＵＤ　ＮＯＩＳＥＳ')).toBe('LOUD NOISES');
    expect(ftfyFixText('ﬁsh')).toBe('fish');
    expect(ftfyFixText('cafe\u0301')).toBe('café');
    expect(ftfyFixText('\x1b[31mred\x1b[0m')).toBe('red');
    expect(ftfyFixText('\ufeffa\x00b\x07c')).toBe('abc');
    expect(ftfyFixText('\x93quoted\x94')).toBe('"quoted"');
    expect(ftfyFixText('a\r\nb\rc')).toBe('a\nb\nc');
    expect(ftfyFixText('café')).toBe('café'); // correct text is left alone
    expect(ftfyFixText('soft\u00adhyphen')).toBe('soft\u00adhyphen');
  });
});

describe('ftfy.fix_text and html.unescape vs ftfy 6.3.1 / CPython (test/golden/text-clean-golden.json)', () => {
  const cleanGolden = JSON.parse(readFileSync(join(import.meta.dirname, 'golden', 'text-clean-golden.json'), 'utf8')) as {
    entries: { text: string; ftfy: string; html_unescape: string }[];
  };

  it('fix_text equals ftfy on every string (mojibake in each codec, C1, lossy, mixed, controls)', () => {
    expect(cleanGolden.entries.length).toBeGreaterThan(1000);
    const wrong = cleanGolden.entries.filter((e) => ftfyFixText(e.text) !== e.ftfy).map((e) => [e.text, ftfyFixText(e.text), e.ftfy]);
    expect(wrong).toEqual([]);
  });

  it('html.unescape equals CPython on every string', () => {
    const wrong = cleanGolden.entries.filter((e) => htmlUnescape(e.text) !== e.html_unescape).map((e) => [e.text, htmlUnescape(e.text), e.html_unescape]);
    expect(wrong).toEqual([]);
  });
});

describe('CLIP tokenizer: bad input', () => {
  it('rejects non-arrays, non-strings and bad options with typed errors', () => {
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        expect(e).toBeInstanceOf(YoloeTrtError);
        return `${(e as YoloeTrtError).code}: ${(e as Error).message}`;
      }
      return 'no error';
    };
    expect(code(() => tokenize('person' as never, { vocab: VOCAB() }))).toMatch(/^ERR_INVALID_OPTION: Expected an array of strings for texts/);
    expect(code(() => tokenize(['a', 3] as never, { vocab: VOCAB() }))).toMatch(/texts\[1\] but received 3/);
    expect(code(() => tokenize(['a'], { vocab: VOCAB(), contextLength: 1 }))).toMatch(/options.contextLength/);
    expect(code(() => tokenize(['a'], { vocab: VOCAB(), dtype: 'float32' as never }))).toMatch(/options.dtype/);
    expect(code(() => tokenize(['a'], { vocab: '/nonexistent/bpe.txt.gz' }))).toMatch(/^ERR_FILE_NOT_FOUND: .*\/nonexistent\/bpe.txt.gz/);
    expect(code(() => tokenize(['a'], { vocab: Buffer.from('not gzip') }))).toMatch(/^ERR_FILE_FORMAT/);
    expect(code(() => tokenize(['a'], { vocab: gzipSync('"version\nfoo bar\n') }))).toMatch(/^ERR_FILE_FORMAT: Not a CLIP BPE vocabulary/);
  });

  it('accepts the vocab as bytes and remembers the last vocab as the default', () => {
    const bytes = readFileSync(VOCAB());
    expect([...tokenize(['bus'], { vocab: bytes, dtype: 'int32' }).ids].slice(0, 3)).toEqual([SOT, 2840, EOT]);
    tokenize(['bus'], { vocab: VOCAB() });
    expect([...tokenize(['bus'], { dtype: 'int32' }).ids].slice(0, 3)).toEqual([SOT, 2840, EOT]);
  });
});
