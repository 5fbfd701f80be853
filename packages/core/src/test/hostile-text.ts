// fast-check arbitraries of hostile text for the property tests of this repository. Not exported
// from `@sieve/core/test`: the published test kit does not depend on fast-check (a root
// devDependency); tests import this file by path.
import fc from 'fast-check';

/**
 * Pieces that break naive text code: NUL and other controls, lone high and low surrogates, a
 * surrogate pair, combining marks (stacked), right-to-left text and marks, zero-width and BOM
 * characters, emoji ZWJ sequences and flags, CJK, Unicode spaces and line separators, the
 * replacement character, apostrophes and punctuation.
 */
export const hostilePieces: readonly string[] = [
  '\u0000',
  '\u0001\u001f\u007f\u0085',
  '\ud800',
  '\udfff',
  '\udc00\ud83d',
  '😀',
  'e\u0301\u0302\u0303\u0304',
  '\u0301',
  'مرحبا بالعالم',
  'שלום',
  '\u200f\u202e\u2066',
  '\u200b\u200d\ufeff',
  '👩‍👩‍👧‍👦',
  '🇫🇷',
  '中文字符',
  '\u3000\u00a0\u2028\u2029',
  '\t\n\r',
  '\ufffd',
  "'’",
  '...!?;',
  'İıß',
  'ＡＢＣ',
  'x',
  ' ',
];

/** One hostile piece, or arbitrary text (any code point, lone surrogates included). */
const hostileChunk: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...hostilePieces),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.string({ maxLength: 40 }),
);

/**
 * A long run of one character or piece with no space in it (up to `maxRun` code units), to reach
 * chunk boundaries and per-word limits.
 */
export function longRun(maxRun: number): fc.Arbitrary<string> {
  return fc
    .tuple(
      fc.oneof(
        fc.constantFrom(...hostilePieces),
        fc.string({ unit: 'binary', minLength: 1, maxLength: 3 }),
      ),
      fc.integer({ min: 1, max: maxRun }),
    )
    .map(([piece, length]) =>
      piece.repeat(Math.max(1, Math.floor(length / Math.max(1, piece.length)))),
    );
}

/**
 * Hostile text: a mix of hostile pieces, arbitrary Unicode and (sometimes) a long run of one
 * piece of up to `maxRun` code units.
 */
export function hostileText(options: { maxRun?: number } = {}): fc.Arbitrary<string> {
  const maxRun = options.maxRun ?? 20_000;
  return fc
    .array(
      fc.oneof({ weight: 8, arbitrary: hostileChunk }, { weight: 1, arbitrary: longRun(maxRun) }),
      {
        maxLength: 8,
      },
    )
    .map((parts) => parts.join(''));
}

/** Document ids that are not strings, and the empty string, each with a label. */
export const invalidIds: ReadonlyArray<[label: string, id: unknown]> = [
  ['a number', 42],
  ['NaN', Number.NaN],
  ['null', null],
  ['undefined', undefined],
  ['an object', { toString: () => 'd0' }],
  ['an array', ['d0']],
  ['a boolean', true],
  ['a bigint', 1n],
  ['a symbol', Symbol('d0')],
  ['the empty string', ''],
];

/** Two documents, the second with `id`: a bad id must be named as `<argument>[1].id`. */
export function documentsWithId(id: unknown): never {
  return [
    { id: 'd0', text: 'aspirin' },
    { id, text: 'stroke' },
  ] as never;
}

/** Sizes of the big-document tests, in code units. */
export const bigDocumentSizes: ReadonlyArray<[label: string, size: number]> = [
  ['1 MB', 1_000_000],
  ['10 MB', 10_000_000],
];

/** A document of exactly `size` code units: English words, an emoji, Arabic, a combining mark. */
export function bigDocument(size: number): string {
  const words = 'aspirin lowers the risk of stroke in adults 😀 مرحبا e\u0301 ';
  return words.repeat(Math.ceil(size / words.length)).slice(0, size);
}
