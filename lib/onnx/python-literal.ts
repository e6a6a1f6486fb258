/**
 * A small parser (and printer) for the Python literals Ultralytics writes into ONNX metadata
 * with `str(value)`: dicts, lists, tuples, strings, numbers, True/False/None. It never
 * evaluates anything.
 */
import { YoloeTrtError } from '../errors.js';

/** dicts become objects keyed by the key's text (`{0: 'a'}` -> `{ '0': 'a' }`), tuples arrays. */
export type PyValue = null | boolean | number | string | PyValue[] | { [key: string]: PyValue };

const NAMED_CONSTANTS: Record<string, PyValue> = { True: true, False: false, None: null, inf: Infinity, nan: NaN };
const SIMPLE_ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', v: '\v', '\n': '' };

class LiteralParser {
  private pos = 0;

  constructor(private readonly text: string) {}

  fail(what: string): never {
    const excerpt = this.text.slice(Math.max(0, this.pos - 10), this.pos + 10);
    throw new YoloeTrtError('ERR_MODEL_FORMAT', `Invalid Python literal: ${what} at offset ${this.pos} (near ${JSON.stringify(excerpt)})`);
  }

  private skipSpace(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos]!)) this.pos++;
  }

  private peek(): string | undefined {
    this.skipSpace();
    return this.text[this.pos];
  }

  private expect(ch: string): void {
    if (this.peek() !== ch) this.fail(`expected "${ch}"`);
    this.pos++;
  }

  parseDocument(): PyValue {
    const value = this.parseValue();
    if (this.peek() !== undefined) this.fail('unexpected trailing text');
    return value;
  }

  parseValue(): PyValue {
    const ch = this.peek();
    if (ch === undefined) this.fail('unexpected end');
    if (ch === '{') return this.parseDict();
    if (ch === '[') return this.parseSequence('[', ']');
    if (ch === '(') return this.parseSequence('(', ')');
    if (ch === "'" || ch === '"') return this.parseString();
    if (/[-+0-9.]/.test(ch)) return this.parseNumber();
    if (/[A-Za-z_]/.test(ch)) return this.parseName();
    return this.fail(`unexpected character "${ch}"`);
  }

  private parseDict(): { [key: string]: PyValue } {
    this.expect('{');
    const out: { [key: string]: PyValue } = {};
    while (this.peek() !== '}') {
      const key = this.parseValue();
      if (key !== null && typeof key === 'object') this.fail('unhashable dict key');
      this.expect(':');
      out[String(key)] = this.parseValue();
      if (this.peek() === ',') this.pos++;
      else if (this.peek() !== '}') this.fail('expected "," or "}"');
    }
    this.pos++;
    return out;
  }

  private parseSequence(open: string, close: string): PyValue[] {
    this.expect(open);
    const out: PyValue[] = [];
    while (this.peek() !== close) {
      out.push(this.parseValue());
      if (this.peek() === ',') this.pos++;
      else if (this.peek() !== close) this.fail(`expected "," or "${close}"`);
    }
    this.pos++;
    return out;
  }

  private parseString(): string {
    const quote = this.text[this.pos++]!;
    let out = '';
    for (;;) {
      if (this.pos >= this.text.length) this.fail('unterminated string');
      const ch = this.text[this.pos++]!;
      if (ch === quote) break;
      if (ch !== '\\') {
        out += ch;
        continue;
      }
      const esc = this.text[this.pos++];
      if (esc === undefined) this.fail('unterminated escape');
      if (esc in SIMPLE_ESCAPES) out += SIMPLE_ESCAPES[esc];
      else if (esc === 'x') out += this.hexEscape(2);
      else if (esc === 'u') out += this.hexEscape(4);
      else if (esc === 'U') out += this.hexEscape(8);
      else if (/[0-7]/.test(esc)) {
        let digits = esc;
        while (digits.length < 3 && /[0-7]/.test(this.text[this.pos] ?? '')) digits += this.text[this.pos++];
        out += String.fromCodePoint(parseInt(digits, 8));
      } else out += `\\${esc}`; // Python keeps unknown escapes verbatim
    }
    // adjacent literals concatenate, as in Python
    const next = this.peek();
    return next === "'" || next === '"' ? out + this.parseString() : out;
  }

  private hexEscape(length: number): string {
    const hex = this.text.slice(this.pos, this.pos + length);
    if (!new RegExp(`^[0-9a-fA-F]{${length}}$`).test(hex)) this.fail('bad hex escape');
    this.pos += length;
    return String.fromCodePoint(parseInt(hex, 16));
  }

  private parseNumber(): number {
    const match = /^[-+]?(?:inf|nan|(?:\d[\d_]*)?\.?[\d_]*(?:[eE][-+]?\d+)?)/.exec(this.text.slice(this.pos));
    const literal = match?.[0] ?? '';
    const cleaned = literal.replace(/_/g, '');
    const value = /inf$/.test(cleaned) ? (cleaned.startsWith('-') ? -Infinity : Infinity) : /nan$/.test(cleaned) ? NaN : Number(cleaned);
    if (literal === '' || (Number.isNaN(value) && !/nan$/.test(cleaned))) this.fail('bad number');
    this.pos += literal.length;
    return value;
  }

  private parseName(): PyValue {
    const match = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.text.slice(this.pos))!;
    const name = match[0];
    if (!(name in NAMED_CONSTANTS)) this.fail(`unsupported name "${name}"`);
    this.pos += name.length;
    return NAMED_CONSTANTS[name]!;
  }
}

/**
 * Parses a Python literal as written by `str()` / `repr()`.
 * @example parsePythonLiteral("{0: 'person', 1: \"person's bag\"}") // { '0': 'person', '1': "person's bag" }
 * @throws YoloeTrtError ERR_MODEL_FORMAT on a syntax error
 */
export function parsePythonLiteral(text: string): PyValue {
  return new LiteralParser(text).parseDocument();
}

// CPython's str.isprintable() is false for categories Cc, Cf, Cs, Co, Cn, Zl, Zp and Zs (except
// the ASCII space): repr escapes exactly those (matched per code point; lone surrogates are Cs).
const NOT_PRINTABLE = /^[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]$/u;

/**
 * CPython's repr of a str: single quotes unless the text holds ' and no "; backslash, the quote,
 * \n \r \t escaped; other non-printable characters as \xhh, \uhhhh or \Uhhhhhhhh. (Which code
 * points are printable follows this Node's Unicode database, which may be newer than Python's.)
 */
export function pythonStringRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const code = ch.codePointAt(0)!;
    if (ch === '\\') out += '\\\\';
    else if (ch === quote) out += `\\${quote}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20 || (code >= 0x7f && NOT_PRINTABLE.test(ch))) out += pythonEscape(code);
    else out += ch;
  }
  return out + quote;
}

function pythonEscape(code: number): string {
  if (code < 0x100) return `\\x${code.toString(16).padStart(2, '0')}`;
  if (code < 0x10000) return `\\u${code.toString(16).padStart(4, '0')}`;
  return `\\U${code.toString(16).padStart(8, '0')}`;
}

/** Python's repr of a value; object keys that are integers are written as ints. */
export function pythonRepr(value: PyValue): string {
  if (value === null) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return 'nan';
    if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
    return String(value);
  }
  if (typeof value === 'string') return pythonStringRepr(value);
  if (Array.isArray(value)) return `[${value.map(pythonRepr).join(', ')}]`;
  const entries = Object.entries(value).map(([k, v]) => `${/^(0|-?[1-9]\d*)$/.test(k) ? k : pythonStringRepr(k)}: ${pythonRepr(v)}`);
  return `{${entries.join(', ')}}`;
}
