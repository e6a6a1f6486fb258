/**
 * Python's string semantics where JavaScript's differ, for the CLIP text cleaner: `str.isspace`
 * (and so `str.strip()` / `str.split()`), the `regex` module's Unicode `\s`, `str.lower()`.
 */

/** Unicode White_Space: the `regex` module's `\s` (includes U+0085; not U+FEFF, unlike JS `\s`). */
export const WHITE_SPACE_CLASS = '\\p{White_Space}';

/** Python `str.isspace()`: White_Space plus U+001C..U+001F (bidi class B/S), not U+FEFF. */
const PY_SPACE_CLASS = `[${WHITE_SPACE_CLASS}\\u001c-\\u001f]`;
const PY_STRIP_RE = new RegExp(`^${PY_SPACE_CLASS}+|${PY_SPACE_CLASS}+$`, 'gu');
const WHITE_SPACE_RUN_RE = new RegExp(`[${WHITE_SPACE_CLASS}]+`, 'gu');

/** Python `str.strip()` with no argument. */
export function pyStrip(text: string): string {
  return text.replace(PY_STRIP_RE, '');
}

/** `regex.sub(r'\s+', ' ', text)` with the `regex` module's Unicode `\s`. */
export function collapseWhiteSpace(text: string): string {
  return text.replace(WHITE_SPACE_RUN_RE, ' ');
}

/**
 * Python `str.lower()`: full lower-casing with the unconditional SpecialCasing mappings
 * (`İ` -> `i̇`) and Final_Sigma. V8's locale-independent `toLowerCase` implements the same rules
 * (checked on the goldens); a locale-aware lower-casing (`toLocaleLowerCase('tr')`) would not.
 */
export function pyLower(text: string): string {
  return text.toLowerCase();
}
