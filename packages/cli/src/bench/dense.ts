/**
 * Dense retrieval costs: embedding throughput (texts/s) of the all-MiniLM-L6-v2 architecture
 * (generated, random weights), HNSW build time over SciFact, query latency, and HNSW recall@10
 * against exact search on those embeddings.
 *
 * sieve bench dense [--documents N]
 */
import { createLatencyHistogram } from '@sieve/core';
import { createOnnxEmbedder } from '@sieve/onnx';
import { createDenseRetriever, documentContents, loadBeirDataset } from '@sieve/retrieval';
import { saveResult } from '../results/save-result.js';
import { benchInputsHint, type CliContext, requirePaths } from '../support/cli-context.js';
import { describeMachine, machineLine } from '../support/machine.js';
import { machineRoofline } from './gemm.js';

/** `sieve bench dense`: embedding throughput, HNSW build, latency and recall against exact search. */
export async function benchDense(
  context: CliContext,
  options: { documents?: number },
): Promise<Record<string, unknown>> {
  const model = `${context.modelsDir}/all-MiniLM-L6-v2`;
  requirePaths({ dataset: context.datasetDir, 'all-MiniLM-L6-v2': model }, benchInputsHint);
  const { corpus, queries } = await loadBeirDataset(context.datasetDir, 'test');
  const documents = corpus.slice(0, options.documents ?? corpus.length);
  const texts = documents.map(documentContents);
  const machine = describeMachine();
  context.print(`dense on ${machineLine(machine)}: ${documents.length} documents`);
  const result: Record<string, unknown> = {
    benchmark: 'dense',
    machine,
    roofline: (await machineRoofline(context)) ?? null,
    documents: documents.length,
  };

  for (const dtype of ['int8', 'fp32'] as const) {
    const embedder = await createOnnxEmbedder({ model, dtype, workers: 2, intraOpThreads: 1 });
    const sample = dtype === 'int8' ? texts : texts.slice(0, 300);
    await embedder.doEmbed({ texts: sample.slice(0, 8) });
    const started = performance.now();
    const vectors: Float32Array[] = [];
    for (let start = 0; start < sample.length; start += 64) {
      vectors.push(
        ...(await embedder.doEmbed({ texts: sample.slice(start, start + 64) })).embeddings,
      );
    }
    const seconds = (performance.now() - started) / 1000;
    context.print(
      `embed ${dtype}: ${sample.length} texts in ${seconds.toFixed(1)} s = ${(sample.length / seconds).toFixed(1)} texts/s (max ${embedder.maxLength} tokens, workers 2 x 1 thread)`,
    );
    result[`embed_${dtype}`] = {
      texts: sample.length,
      seconds,
      textsPerSecond: sample.length / seconds,
    };
    if (dtype === 'int8') {
      const queryVectors = (await embedder.doEmbed({ texts: [...queries.values()].slice(0, 200) }))
        .embeddings;
      // How spread the vectors are: random-weight BERT embeddings crowd into a narrow cone.
      const sampled = Math.min(200, vectors.length);
      let cosine = 0;
      let pairs = 0;
      for (let a = 0; a < sampled; a++) {
        for (let b = a + 1; b < sampled; b++) {
          let dot = 0;
          for (let unit = 0; unit < vectors[a]!.length; unit++)
            dot += vectors[a]![unit]! * vectors[b]![unit]!;
          cosine += dot;
          pairs += 1;
        }
      }
      context.print(
        `mean pairwise cosine of ${sampled} document vectors: ${(cosine / pairs).toFixed(4)}`,
      );
      result.meanPairwiseCosine = cosine / pairs;
      const sweep: unknown[] = [];
      for (const [m, efConstruction, efSearch] of [
        [16, 200, 100],
        [16, 200, 400],
        [16, 200, 1000],
        [32, 400, 400],
        [32, 400, 1000],
      ] as const) {
        const dense = await createDenseRetriever({ embedder, m, efConstruction, efSearch });
        const buildStart = performance.now();
        await dense.addVectors(
          vectors.map((vector, index) => ({ id: documents[index]!.id, vector })),
        );
        const buildMs = performance.now() - buildStart;
        const latency = createLatencyHistogram();
        let found = 0;
        for (const query of queryVectors) {
          const exact = new Set(
            dense.searchVector(query, 10, 'exact').map((candidate) => candidate.id),
          );
          const queryStart = performance.now();
          const approximate = dense.searchVector(query, 10, 'hnsw');
          latency.record(performance.now() - queryStart);
          found += approximate.filter((candidate) => exact.has(candidate.id)).length;
        }
        const recall = found / (queryVectors.length * 10);
        const summary = latency.summary();
        context.print(
          `HNSW M ${m}, efConstruction ${efConstruction}, efSearch ${efSearch}: build ${documents.length} vectors in ${buildMs.toFixed(0)} ms; search p50 ${summary.p50.toFixed(3)} ms, p99 ${summary.p99.toFixed(3)} ms; recall@10 vs exact ${recall.toFixed(4)} (${queryVectors.length} SciFact queries)`,
        );
        sweep.push({
          m,
          efConstruction,
          efSearch,
          buildMs,
          searchLatencyMs: summary,
          recallAt10VsExact: recall,
        });
      }
      result.hnsw = sweep;
    }
    await embedder.dispose();
  }
  saveResult(context, 'dense', result);
  return result;
}
