/**
 * The small YAML subset Ultralytics data files use: top-level `key: value` pairs, scalars
 * (plain, quoted, numbers, booleans, null), one level of nested block maps (`  0: person`)
 * or block lists (`  - person`), and flow lists/maps (`[a, b]`, `{0: a}`). Anything else is
 * reported, not guessed.
 */
import { YoloeTrtError } from '../errors.js';

export type YamlValue = string | number | boolean | null | YamlValue[] | { [key: string]: YamlValue };

function yamlError(line: number, message: string): YoloeTrtError {
  return new YoloeTrtError('ERR_DATASET', `Unsupported or invalid YAML at line ${line}: ${message}`);
}

/** Removes a trailing `# comment` that is not inside quotes. */
function stripComment(text: string): string {
  let quote: string | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === quote) quote = null;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(text[i - 1]!))) return text.slice(0, i);
  }
  return text;
}

function parseScalar(raw: string, line: number): YamlValue {
  const text = raw.trim();
  if (text === '' || text === '~' || text === 'null' || text === 'Null' || text === 'NULL') return null;
  if (text.startsWith('"')) {
    if (!text.endsWith('"') || text.length < 2) throw yamlError(line, `unterminated string ${text}`);
    return JSON.parse(text) as string;
  }
  if (text.startsWith("'")) {
    if (!text.endsWith("'") || text.length < 2) throw yamlError(line, `unterminated string ${text}`);
    return text.slice(1, -1).replace(/''/g, "'");
  }
  if (text.startsWith('[') || text.startsWith('{')) return parseFlow(text, line);
  if (/^(true|True|TRUE)$/.test(text)) return true;
  if (/^(false|False|FALSE)$/.test(text)) return false;
  if (/^[-+]?(\d+\.?\d*([eE][-+]?\d+)?|\.\d+([eE][-+]?\d+)?)$/.test(text)) return Number(text);
  return text;
}

/** Splits the inside of a flow collection on top-level commas. */
function splitFlow(inner: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote: string | null = null;
  let start = 0;
  for (let i = 0; i < inner.length; i++) {
    const c = inner[i]!;
    if (quote) {
      if (c === quote) quote = null;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '[' || c === '{') depth++;
    else if (c === ']' || c === '}') depth--;
    else if (c === ',' && depth === 0) {
      parts.push(inner.slice(start, i));
      start = i + 1;
    }
  }
  const last = inner.slice(start);
  if (last.trim() !== '') parts.push(last);
  return parts;
}

function parseFlow(text: string, line: number): YamlValue {
  const open = text[0]!;
  const close = open === '[' ? ']' : '}';
  if (!text.endsWith(close)) throw yamlError(line, `unterminated ${open}...${close}`);
  const parts = splitFlow(text.slice(1, -1));
  if (open === '[') return parts.map((p) => parseScalar(p, line));
  const map: { [key: string]: YamlValue } = {};
  for (const part of parts) {
    const colon = part.indexOf(':');
    if (colon < 0) throw yamlError(line, `expected key: value in ${part.trim()}`);
    map[String(parseScalar(part.slice(0, colon), line))] = parseScalar(part.slice(colon + 1), line);
  }
  return map;
}

/** Finds the `key: value` separator (a colon followed by a space or the end, outside quotes). */
function splitKey(text: string): [string, string] | null {
  let quote: string | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === quote) quote = null;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === ':' && (i + 1 === text.length || text[i + 1] === ' ' || text[i + 1] === '\t')) return [text.slice(0, i), text.slice(i + 1)];
  }
  return null;
}

export function parseYaml(source: string): { [key: string]: YamlValue } {
  const root: { [key: string]: YamlValue } = {};
  let openKey: string | null = null; // a top-level key whose value is a nested block
  const lines = source.replace(/^\uFEFF/, '').split(/\r?\n/);
  lines.forEach((rawLine, index) => {
    const lineNo = index + 1;
    const text = stripComment(rawLine).replace(/\s+$/, '');
    if (text.trim() === '' || text.trim() === '---') return;
    if (/^\t/.test(text)) throw yamlError(lineNo, 'tabs are not allowed for indentation');
    const indent = text.length - text.trimStart().length;
    const body = text.trim();
    if (indent === 0) {
      const kv = splitKey(body);
      if (!kv) throw yamlError(lineNo, `expected key: value but found ${JSON.stringify(body)}`);
      const key = String(parseScalar(kv[0], lineNo));
      const value = kv[1].trim();
      if (value === '') {
        root[key] = null;
        openKey = key;
      } else {
        root[key] = parseScalar(value, lineNo);
        openKey = null;
      }
      return;
    }
    if (openKey === null) throw yamlError(lineNo, 'unexpected indentation');
    const current = root[openKey];
    if (body.startsWith('- ') || body === '-') {
      if (current !== null && !Array.isArray(current)) throw yamlError(lineNo, `mixed list and map under ${openKey}`);
      const list = (current ?? []) as YamlValue[];
      list.push(parseScalar(body.slice(1), lineNo));
      root[openKey] = list;
      return;
    }
    const kv = splitKey(body);
    if (!kv) throw yamlError(lineNo, `expected "- item" or "key: value" under ${openKey}`);
    if (current !== null && (typeof current !== 'object' || Array.isArray(current))) throw yamlError(lineNo, `mixed list and map under ${openKey}`);
    const map = (current ?? {}) as { [key: string]: YamlValue };
    if (kv[1].trim() === '') throw yamlError(lineNo, 'nesting deeper than one level is not supported');
    map[String(parseScalar(kv[0], lineNo))] = parseScalar(kv[1], lineNo);
    root[openKey] = map;
  });
  return root;
}
