import type { WordPieceTokenizer } from './word-piece-tokenizer.js';

/** Settings of {@link createTokenCache}. */
export interface TokenCacheSettings {
  /** Bytes of texts and token ids kept at most; least recently used entries go first. @default 64 MiB */
  maxBytes?: number;
}

/** Hit and size counters of a {@link TokenCache}. */
export interface TokenCacheStats {
  hits: number;
  misses: number;
  entries: number;
  bytes: number;
}

/**
 * An LRU cache of token ids by (key, text), bounded by bytes. Scorers key it by their tokenizer's
 * fingerprint and token limit: a prefilter and a reranker with the same vocabulary and maximum
 * length tokenize each document once.
 */
export interface TokenCache {
  get(key: string, text: string): Int32Array | undefined;
  set(key: string, text: string, ids: Int32Array): void;
  stats(): TokenCacheStats;
  clear(): void;
}

/**
 * Creates a token cache.
 *
 * @example
 * ```ts
 * const tokenCache = createTokenCache({ maxBytes: 256 * 1024 * 1024 });
 * const prefilter = await createCrossEncoder({ model: tinyBert, tokenCache });
 * const reranker = await createCrossEncoder({ model: miniLm, tokenCache });
 * ```
 */
export function createTokenCache(settings: TokenCacheSettings = {}): TokenCache {
  const maxBytes = settings.maxBytes ?? 64 * 1024 * 1024;
  // A Map iterates in insertion order: re-inserting on access makes its first key the LRU one.
  const entries = new Map<string, Int32Array>();
  let bytes = 0;
  let hits = 0;
  let misses = 0;
  const sizeOf = (key: string, ids: Int32Array): number => key.length * 2 + ids.byteLength + 64;
  return {
    get(fingerprint, text) {
      const key = `${fingerprint}\u0000${text}`;
      const ids = entries.get(key);
      if (ids === undefined) {
        misses += 1;
        return undefined;
      }
      hits += 1;
      entries.delete(key);
      entries.set(key, ids);
      return ids;
    },
    set(fingerprint, text, ids) {
      const key = `${fingerprint}\u0000${text}`;
      const size = sizeOf(key, ids);
      if (size > maxBytes) return;
      const previous = entries.get(key);
      if (previous) {
        bytes -= sizeOf(key, previous);
        entries.delete(key);
      }
      entries.set(key, ids);
      bytes += size;
      for (const [oldest, oldIds] of entries) {
        if (bytes <= maxBytes) break;
        entries.delete(oldest);
        bytes -= sizeOf(oldest, oldIds);
      }
    },
    stats: () => ({ hits, misses, entries: entries.size, bytes }),
    clear() {
      entries.clear();
      bytes = 0;
    },
  };
}

/** The process-wide default cache (64 MiB), shared by cross-encoders that are not given one. */
export const sharedTokenCache: TokenCache = createTokenCache();

/** The cache a scorer uses: none for `false`, the given one, else {@link sharedTokenCache}. */
export function resolveTokenCache(setting: TokenCache | false | undefined): TokenCache | undefined {
  return setting === false ? undefined : (setting ?? sharedTokenCache);
}

/**
 * A text's token ids cut to `maxLength`, through `tokenCache` when given: the one lookup every
 * model pipeline uses. Texts are cached cut to `maxLength` (truncation keeps a prefix), so the
 * limit is part of the key: models with the same vocabulary and limit share entries, others do not
 * collide.
 *
 * @example
 * ```ts
 * const encode = createCachedEncoder({ tokenizer, maxLength: 256, tokenCache: createTokenCache() });
 * encode('a passage'); // tokenized once, then served from the cache
 * ```
 */
export function createCachedEncoder(options: {
  tokenizer: WordPieceTokenizer;
  maxLength: number;
  tokenCache: TokenCache | undefined;
}): (text: string) => Int32Array {
  const { tokenizer, maxLength, tokenCache } = options;
  const key = `${tokenizer.fingerprint}/${maxLength}`;
  if (!tokenCache) return (text) => tokenizer.encodeText(text, maxLength);
  return (text) => {
    const cached = tokenCache.get(key, text);
    if (cached) return cached;
    const ids = tokenizer.encodeText(text, maxLength);
    tokenCache.set(key, text, ids);
    return ids;
  };
}
