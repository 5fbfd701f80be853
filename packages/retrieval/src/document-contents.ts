import type { SieveDocument } from '@sieve/core';

/**
 * A document's title and text as one string: what BM25's `contents` field indexes and what the
 * dense retriever embeds.
 *
 * @example
 * ```ts
 * documentContents({ id: 'a', title: 'Aspirin', text: 'lowers risk' }); // 'Aspirin lowers risk'
 * ```
 */
export function documentContents(document: SieveDocument): string {
  return document.title ? `${document.title} ${document.text}` : document.text;
}
