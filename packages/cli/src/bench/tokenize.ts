/**
 * Tokenizer speed on a workload's pairs, on this thread: Sieve's WordPiece tokenizer cold (every
 * text tokenized) and with the documents already in the token cache (what a later stage or a
 * repeated document costs), beside `@huggingface/tokenizers` (Transformers.js's tokenizer) on the
 * same pairs, with a check that both give the same ids.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createCachedEncoder, createTokenCache } from '@sieve/onnx';
import { type RerankWorkload, workloadTokenizer } from './workload.js';

/** What {@link measureTokenizer} found. */
export interface TokenizerMeasurement {
  pairs: number;
  /** Query and documents tokenized, pairs assembled: pairs per second, median pass. */
  coldPairsPerSecond: number;
  /** Documents from a warm token cache, queries tokenized, pairs assembled. */
  cachedPairsPerSecond: number;
  /** `@huggingface/tokenizers` encoding each pair, or why it did not run. */
  peer:
    | { name: string; pairsPerSecond: number; mismatchedPairs: number }
    | { name: string; skipped: string };
}

/** Median seconds of `passes` runs of `work`. */
function medianSeconds(work: () => void, passes: number): number {
  const seconds: number[] = [];
  for (let pass = 0; pass < passes; pass++) {
    const started = performance.now();
    work();
    seconds.push((performance.now() - started) / 1000);
  }
  seconds.sort((a, b) => a - b);
  return seconds[Math.floor((passes - 1) / 2)]!;
}

/** The slice of `@huggingface/tokenizers` measured. */
interface PeerTokenizer {
  encode(
    text: string,
    options: { text_pair: string; return_token_type_ids: true },
  ): { ids: number[]; token_type_ids: number[] };
}

/**
 * Measures tokenization of every pair of `workload` with the tokenizer in `modelFolder`, capped at
 * `maxLength` tokens per pair: 5 passes each, median.
 */
export async function measureTokenizer(
  workload: readonly RerankWorkload[],
  modelFolder: string,
  maxLength = 512,
): Promise<TokenizerMeasurement> {
  const tokenizer = await workloadTokenizer(modelFolder);
  const pairs = workload.reduce((sum, item) => sum + item.documents.length, 0);
  const passes = 5;
  let sink = 0;
  const cold = medianSeconds(() => {
    for (const item of workload) {
      const query = tokenizer.encodeText(item.query, maxLength);
      for (const document of item.documents) {
        sink += tokenizer.encodePair(
          query,
          tokenizer.encodeText(document.text, maxLength),
          maxLength,
        ).inputIds.length;
      }
    }
  }, passes);
  // The pipeline's own cached lookup, so what is measured is what a stage pays.
  const cachedIds = createCachedEncoder({
    tokenizer,
    maxLength,
    tokenCache: createTokenCache({ maxBytes: 1024 * 1024 * 1024 }),
  });
  for (const item of workload) for (const document of item.documents) cachedIds(document.text);
  const cached = medianSeconds(() => {
    for (const item of workload) {
      const query = tokenizer.encodeText(item.query, maxLength);
      for (const document of item.documents) {
        sink += tokenizer.encodePair(query, cachedIds(document.text), maxLength).inputIds.length;
      }
    }
  }, passes);
  const name = '@huggingface/tokenizers';
  let peer: TokenizerMeasurement['peer'];
  try {
    const { Tokenizer } = (await import(name)) as {
      Tokenizer: new (tokenizer: object, config: object) => PeerTokenizer;
    };
    const read = async (file: string): Promise<object> =>
      JSON.parse(await readFile(join(modelFolder, file), 'utf8')) as object;
    const reference = new Tokenizer(
      await read('tokenizer.json'),
      await read('tokenizer_config.json').catch(() => ({})),
    );
    let mismatchedPairs = 0;
    for (const item of workload) {
      const query = tokenizer.encodeText(item.query, maxLength);
      for (const document of item.documents) {
        const ours = tokenizer.encodePair(query, tokenizer.encodeText(document.text), maxLength);
        const theirs = reference.encode(item.query, {
          text_pair: document.text,
          return_token_type_ids: true,
        });
        // Without truncation in the peer, only pairs within maxLength compare.
        if (theirs.ids.length > maxLength) continue;
        if (
          theirs.ids.length !== ours.inputIds.length ||
          theirs.ids.some((id, index) => id !== ours.inputIds[index])
        ) {
          mismatchedPairs += 1;
        }
      }
    }
    const seconds = medianSeconds(() => {
      for (const item of workload) {
        for (const document of item.documents) {
          sink += reference.encode(item.query, {
            text_pair: document.text,
            return_token_type_ids: true,
          }).ids.length;
        }
      }
    }, passes);
    peer = { name, pairsPerSecond: pairs / seconds, mismatchedPairs };
  } catch (error) {
    peer = { name, skipped: (error as Error).message.split('\n')[0]! };
  }
  if (sink < 0) throw new Error('unreachable');
  return {
    pairs,
    coldPairsPerSecond: pairs / cold,
    cachedPairsPerSecond: pairs / cached,
    peer,
  };
}

/** One line for the bench output. */
export function formatTokenizerMeasurement(measurement: TokenizerMeasurement): string {
  const rate = (value: number): string => Math.round(value).toLocaleString('en-US');
  const peer =
    'skipped' in measurement.peer
      ? `${measurement.peer.name} skipped (${measurement.peer.skipped})`
      : `${measurement.peer.name} ${rate(measurement.peer.pairsPerSecond)} pairs/s (${measurement.peer.mismatchedPairs} pairs with other ids)`;
  return `tokenizer, one thread, ${measurement.pairs.toLocaleString('en-US')} pairs: Sieve ${rate(measurement.coldPairsPerSecond)} pairs/s cold, ${rate(measurement.cachedPairsPerSecond)} pairs/s with cached documents; ${peer}`;
}
