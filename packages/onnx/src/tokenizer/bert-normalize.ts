/**
 * BERT text normalization and pre-tokenization, matching Hugging Face `tokenizers`
 * (`BertNormalizer` + `BertPreTokenizer`) character for character:
 * clean text -> space around CJK ideographs -> NFD and drop accents -> lower-case (per code point,
 * as the Rust implementation does: no final-sigma rule) -> split on whitespace and punctuation.
 */

/** Options of {@link splitBertWords}. */
export interface BertNormalizeOptions {
  lowercase: boolean;
  stripAccents: boolean;
  handleChineseChars: boolean;
}

const CONTROL = /\p{C}/u;
const SPACE_SEPARATOR = /\p{Zs}/u;
const PUNCTUATION = /\p{P}/u;
const MARK_NONSPACING = /\p{Mn}/gu;
/** NUL, U+FFFD and control characters other than tab, line feed and carriage return. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is what it drops
const DROPPED = /[\u0000\ufffd]|(?![\t\n\r])\p{C}/gu;
const SPACES = /[\t\n\r\p{Zs}]/gu;
const CHINESE =
  /[\u4e00-\u9fff\u3400-\u4dbf\u{20000}-\u{2a6df}\u{2a700}-\u{2b73f}\u{2b740}-\u{2b81f}\u{2b820}-\u{2ceaf}\uf900-\ufaff\u{2f800}-\u{2fa1f}]/gu;

function isWhitespace(code: number, char: string): boolean {
  return (
    code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d || SPACE_SEPARATOR.test(char)
  );
}

function isControl(code: number, char: string): boolean {
  if (code === 0x09 || code === 0x0a || code === 0x0d) return false;
  return CONTROL.test(char);
}

function isPunctuation(code: number, char: string): boolean {
  return (
    (code >= 33 && code <= 47) ||
    (code >= 58 && code <= 64) ||
    (code >= 91 && code <= 96) ||
    (code >= 123 && code <= 126) ||
    PUNCTUATION.test(char)
  );
}

function isChineseChar(code: number): boolean {
  return (
    (code >= 0x4e00 && code <= 0x9fff) ||
    (code >= 0x3400 && code <= 0x4dbf) ||
    (code >= 0x20000 && code <= 0x2a6df) ||
    (code >= 0x2a700 && code <= 0x2b73f) ||
    (code >= 0x2b740 && code <= 0x2b81f) ||
    (code >= 0x2b820 && code <= 0x2ceaf) ||
    (code >= 0xf900 && code <= 0xfaff) ||
    (code >= 0x2f800 && code <= 0x2fa1f)
  );
}

/**
 * Whether `char` (one code point) ends a BERT word whatever surrounds it: it becomes a space, is
 * punctuation, or is a CJK ideograph set apart. Cutting a text just after such a character
 * splits it into the same words as the whole text (controls are dropped, so they never qualify).
 */
export function endsBertWord(char: string, options: BertNormalizeOptions): boolean {
  const code = char.codePointAt(0)!;
  if (code === 0 || code === 0xfffd || isControl(code, char)) return false;
  return (
    isWhitespace(code, char) ||
    WHITESPACE.test(char) ||
    isPunctuation(code, char) ||
    (options.handleChineseChars && isChineseChar(code))
  );
}

const WHITESPACE = /^\s$/u;

/** True when every character is printable ASCII or a plain space: the fast path. */
const SIMPLE_ASCII = /^[\x20-\x7e]*$/;

/**
 * Normalizes `text` and splits it into BERT "words": runs of non-space, non-punctuation
 * characters, and single punctuation characters.
 */
export function splitBertWords(text: string, options: BertNormalizeOptions): string[] {
  let normalized: string;
  if (SIMPLE_ASCII.test(text)) {
    normalized = options.lowercase ? text.toLowerCase() : text;
  } else {
    normalized = normalizeUnicode(text, options);
  }
  const words: string[] = [];
  let current = '';
  for (const char of normalized) {
    const code = char.codePointAt(0)!;
    if (code === 0x20) {
      if (current !== '') words.push(current);
      current = '';
    } else if (isPunctuation(code, char)) {
      if (current !== '') words.push(current);
      words.push(char);
      current = '';
    } else {
      current += char;
    }
  }
  if (current !== '') words.push(current);
  return words;
}

function normalizeUnicode(text: string, options: BertNormalizeOptions): string {
  // Whole-string native replaces rather than a loop per character (a 10 MB text costs little);
  // the classes are disjoint, so the order of the replaces does not matter.
  let cleaned = text.replace(DROPPED, '').replace(SPACES, ' ');
  if (options.handleChineseChars) cleaned = cleaned.replace(CHINESE, ' $& ');
  if (options.stripAccents) cleaned = cleaned.normalize('NFD').replace(MARK_NONSPACING, '');
  // Per code point, like Rust's char::to_lowercase: 'Σ' is always 'σ', never final 'ς' (the one
  // context rule of String.prototype.toLowerCase).
  if (options.lowercase) cleaned = cleaned.replaceAll('Σ', 'σ').toLowerCase();
  // The pre-tokenizer splits on every Unicode whitespace (U+2028 too, which cleaning keeps).
  return cleaned.replace(/\s/gu, ' ');
}
