import { stemmer } from 'stemmer';
import { z } from 'zod';

/** Schema of {@link AnalyzerSettings}. */
export const analyzerSettingsSchema = z.strictObject({
  /** @default true */
  lowercase: z.boolean().optional(),
  /**
   * Words to drop: `'english'` (Lucene's English stop set, as Pyserini's default analyzer uses),
   * a custom list, or `false`.
   * @default 'english'
   */
  stopWords: z
    .union([z.literal('english'), z.literal(false), z.array(z.string()).readonly()])
    .optional(),
  /** Porter stemming (npm `stemmer`). @default true */
  stem: z.boolean().optional(),
});

/** Settings of {@link createAnalyzer}. */
export type AnalyzerSettings = z.input<typeof analyzerSettingsSchema>;

/** Turns a text into index terms. */
export type Analyzer = (text: string) => string[];

/** Lucene's EnglishAnalyzer stop words. */
export const englishStopWords: readonly string[] = [
  'a',
  'an',
  'and',
  'are',
  'as',
  'at',
  'be',
  'but',
  'by',
  'for',
  'if',
  'in',
  'into',
  'is',
  'it',
  'no',
  'not',
  'of',
  'on',
  'or',
  'such',
  'that',
  'the',
  'their',
  'then',
  'there',
  'these',
  'they',
  'this',
  'to',
  'was',
  'will',
  'with',
];

const WORD = /[\p{L}\p{N}\p{M}]+(?:['’][\p{L}\p{N}]+)*/gu;

/**
 * Creates an analyzer: Unicode word splitting (letters, digits, marks), lower-casing, English
 * possessive removal, stop words, Porter stemming: the pipeline of Lucene's EnglishAnalyzer.
 *
 * @example
 * ```ts
 * createAnalyzer()('The runners\' shoes'); // ['runner', 'shoe']
 * ```
 */
export function createAnalyzer(settings: AnalyzerSettings = {}): Analyzer {
  const lowercase = settings.lowercase ?? true;
  const stopList = settings.stopWords ?? 'english';
  const stopWords = new Set(
    stopList === false ? [] : stopList === 'english' ? englishStopWords : stopList,
  );
  const stem = settings.stem ?? true;
  const stemCache = new Map<string, string>();
  return (text) => {
    const terms: string[] = [];
    for (const match of (lowercase ? text.toLowerCase() : text).matchAll(WORD)) {
      let word = match[0].replace(/['’]s$/u, '').replace(/['’]/gu, '');
      if (word === '' || stopWords.has(word)) continue;
      if (stem) {
        let stemmed = stemCache.get(word);
        if (stemmed === undefined) {
          stemmed = stemmer(word);
          if (stemCache.size < 500_000) stemCache.set(word, stemmed);
        }
        word = stemmed;
      }
      terms.push(word);
    }
    return terms;
  };
}
