import type { SieveDocument } from './sieve-document.js';

/**
 * A document's title and text as one string: what BM25's `contents` field indexes, what the dense
 * retriever embeds, and what a cascade's scoring stages read by default (a stage's
 * `documentText`). One function, so every stage sees the same document.
 *
 * @example
 * ```ts
 * documentContents({ id: 'a', title: 'Aspirin', text: 'lowers risk' }); // 'Aspirin lowers risk'
 * ```
 */
export function documentContents(document: SieveDocument): string {
  return document.title ? `${document.title} ${document.text}` : document.text;
}
