import { describe, expect, it } from 'vitest';
import { loadTokenizer } from './load-tokenizer.js';
import { createCachedEncoder, createTokenCache } from './token-cache.js';

const folder = new URL('../__fixtures__/tiny-bert-cross-encoder/', import.meta.url).pathname;
const text = 'Statins lower the risk of cardiovascular events in adults with diabetes';

describe('createCachedEncoder', () => {
  it('tokenizes a text once per limit and serves the same ids from the cache', async () => {
    const { tokenizer } = await loadTokenizer({ modelId: 'tiny', folder });
    const tokenCache = createTokenCache();
    const encode8 = createCachedEncoder({ tokenizer, maxLength: 8, tokenCache });
    const encode64 = createCachedEncoder({ tokenizer, maxLength: 64, tokenCache });

    const first = encode8(text);
    expect(Array.from(first)).toEqual(Array.from(tokenizer.encodeText(text, 8)));
    expect(encode8(text)).toBe(first);
    expect(tokenCache.stats()).toMatchObject({ hits: 1, misses: 1, entries: 1 });

    // Another limit is another key: the longer cut is not served the 8-token prefix.
    expect(Array.from(encode64(text))).toEqual(Array.from(tokenizer.encodeText(text, 64)));
    expect(encode64(text).length).toBeGreaterThan(8);
    expect(tokenCache.stats().entries).toBe(2);
  });

  it('tokenizes every time without a cache', async () => {
    const { tokenizer } = await loadTokenizer({ modelId: 'tiny', folder });
    const encode = createCachedEncoder({ tokenizer, maxLength: 8, tokenCache: undefined });
    expect(encode(text)).not.toBe(encode(text));
    expect(Array.from(encode(text))).toEqual(Array.from(tokenizer.encodeText(text, 8)));
  });
});
