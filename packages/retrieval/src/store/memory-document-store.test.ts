import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IndexFormatError, InvalidArgumentError } from '@sieve/core';
import { describe, expect, it } from 'vitest';
import { createMemoryDocumentStore, loadMemoryDocumentStore } from './memory-document-store.js';

describe('memory document store', () => {
  it('returns documents in order, undefined for unknown ids, and persists', async () => {
    const store = createMemoryDocumentStore([{ id: 'a', text: 'A', metadata: { year: 2020 } }]);
    store.add([{ id: 'b', text: 'B' }]);
    expect(await store.getDocuments(['b', 'x', 'a'])).toEqual([
      { id: 'b', text: 'B' },
      undefined,
      { id: 'a', text: 'A', metadata: { year: 2020 } },
    ]);
    expect(() => store.add([{ id: 'a', text: 'again' }])).toThrow(InvalidArgumentError);
    expect(() => store.remove(['a', 'x'])).toThrow(InvalidArgumentError);
    expect(store.size).toBe(2);
    const path = join(mkdtempSync(join(tmpdir(), 'sieve-store-')), 'documents.json');
    await store.save(path);
    const loaded = await loadMemoryDocumentStore(path);
    expect(loaded.get('a')).toEqual({ id: 'a', text: 'A', metadata: { year: 2020 } });
    writeFileSync(path, '{"format":"sieve-documents"');
    await expect(loadMemoryDocumentStore(path)).rejects.toSatisfy(IndexFormatError.isInstance);
  });
});
