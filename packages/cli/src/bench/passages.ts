import type { SieveDocument } from '@sieve/core';

/** Limits of {@link splitIntoPassages}. */
export interface PassageLimits {
  /** Tokens of a text (no special tokens), with the tokenizer of the model that will score it. */
  countTokens(text: string): number;
  /** Shortest passage kept, in tokens; a shorter tail joins the passage before it. @default 40 */
  minTokens?: number;
  /** Longest passage, in tokens, unless one sentence alone is longer. @default 150 */
  maxTokens?: number;
  /** Most sentences in a passage. @default 3 */
  maxSentences?: number;
}

/**
 * Sentence ends: `.`, `!` or `?` then spaces then a capital, digit or bracket. Good enough for
 * abstracts ("et al. The" splits; "e.g. the" does not).
 */
const sentenceEnd = /(?<=[.!?])\s+(?=[A-Z0-9([])/;

/** The sentences of a text, in order, trimmed. */
export function splitSentences(text: string): string[] {
  return text
    .split(sentenceEnd)
    .map((sentence) => sentence.trim())
    .filter(Boolean);
}

/**
 * Cuts each document's text into passages of up to `maxSentences` consecutive sentences and
 * `maxTokens` tokens (web and RAG passage lengths), ids `<document id>#<n>`; titles are dropped,
 * as in MS MARCO. A passage under `minTokens` joins the one before it when the two fit, and is
 * dropped otherwise (a one-sentence abstract).
 *
 * @example
 * ```ts
 * const passages = splitIntoPassages(corpus, { countTokens: (text) => tokenizer.encodeText(text).length });
 * ```
 */
export function splitIntoPassages(
  corpus: readonly SieveDocument[],
  limits: PassageLimits,
): SieveDocument[] {
  const { countTokens, minTokens = 40, maxTokens = 150, maxSentences = 3 } = limits;
  const passages: SieveDocument[] = [];
  for (const document of corpus) {
    const groups: Array<{ sentences: string[]; tokens: number }> = [];
    let current: { sentences: string[]; tokens: number } | undefined;
    for (const sentence of splitSentences(document.text)) {
      const tokens = countTokens(sentence);
      if (
        current &&
        (current.sentences.length >= maxSentences || current.tokens + tokens > maxTokens)
      ) {
        groups.push(current);
        current = undefined;
      }
      current ??= { sentences: [], tokens: 0 };
      current.sentences.push(sentence);
      current.tokens += tokens;
    }
    if (current) groups.push(current);
    const kept: Array<{ sentences: string[]; tokens: number }> = [];
    for (const group of groups) {
      const previous = kept.at(-1);
      if (group.tokens >= minTokens) kept.push(group);
      else if (previous && previous.tokens + group.tokens <= maxTokens) {
        previous.sentences.push(...group.sentences);
        previous.tokens += group.tokens;
      }
    }
    kept.forEach((group, index) => {
      passages.push({ id: `${document.id}#${index}`, text: group.sentences.join(' ') });
    });
  }
  return passages;
}

/** The document a passage of {@link splitIntoPassages} came from. */
export function passageDocumentId(passageId: string): string {
  const hash = passageId.lastIndexOf('#');
  return hash === -1 ? passageId : passageId.slice(0, hash);
}

/**
 * Judgements for passages: each passage inherits its document's grade (a relevant abstract's
 * passages all count as relevant), so nDCG over passages is comparable between cascade shapes,
 * not with document-level nDCG.
 */
export function passageQrels(
  qrels: ReadonlyMap<string, ReadonlyMap<string, number>>,
  passages: readonly SieveDocument[],
): Map<string, Map<string, number>> {
  const byDocument = new Map<string, string[]>();
  for (const passage of passages) {
    const documentId = passageDocumentId(passage.id);
    const list = byDocument.get(documentId) ?? [];
    list.push(passage.id);
    byDocument.set(documentId, list);
  }
  const out = new Map<string, Map<string, number>>();
  for (const [queryId, judged] of qrels) {
    const grades = new Map<string, number>();
    for (const [documentId, grade] of judged) {
      for (const passageId of byDocument.get(documentId) ?? []) grades.set(passageId, grade);
    }
    out.set(queryId, grades);
  }
  return out;
}

/** Histogram bins of pair lengths in tokens: [from, to). */
const lengthBins = [0, 40, 64, 96, 128, 160, 192, 256, 384, 513] as const;

/**
 * A text histogram of pair lengths (tokens, special tokens included) with mean and median, e.g.
 * `pair tokens: mean 97, median 94 | <40 0 | 40-63 212 | 64-95 1,380 | ...`.
 */
export function formatLengthHistogram(lengths: readonly number[]): string {
  if (lengths.length === 0) return 'pair tokens: none';
  const sorted = [...lengths].sort((a, b) => a - b);
  const mean = lengths.reduce((sum, length) => sum + length, 0) / lengths.length;
  const median = sorted[Math.floor((sorted.length - 1) / 2)]!;
  const cells: string[] = [];
  for (let bin = 0; bin < lengthBins.length - 1; bin++) {
    const from = lengthBins[bin]!;
    const to = lengthBins[bin + 1]!;
    const count = lengths.filter((length) => length >= from && length < to).length;
    if (count === 0 && (from > sorted.at(-1)! || to <= sorted[0]!)) continue;
    const label = to === 513 ? `${from}-512` : `${from}-${to - 1}`;
    cells.push(`${label} ${count.toLocaleString('en-US')}`);
  }
  return `pair tokens: mean ${mean.toFixed(0)}, median ${median} | ${cells.join(' | ')}`;
}
