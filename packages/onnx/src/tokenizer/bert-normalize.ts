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
  let cleaned = '';
  for (const char of text) {
    const code = char.codePointAt(0)!;
    if (code === 0 || code === 0xfffd || isControl(code, char)) continue;
    if (isWhitespace(code, char)) cleaned += ' ';
    else if (options.handleChineseChars && isChineseChar(code)) cleaned += ` ${char} `;
    else cleaned += char;
  }
  if (options.stripAccents) cleaned = cleaned.normalize('NFD').replace(MARK_NONSPACING, '');
  if (options.lowercase) {
    let lowered = '';
    // Per code point, like Rust's char::to_lowercase: 'Σ' is always 'σ', never final 'ς'.
    for (const char of cleaned) lowered += char.toLowerCase();
    cleaned = lowered;
  }
  // The pre-tokenizer splits on every Unicode whitespace (U+2028 too, which cleaning keeps).
  return cleaned.replace(/\s/gu, ' ');
}
