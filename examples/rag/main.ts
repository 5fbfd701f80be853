/**
 * RAG retrieval with LangChain.js: Sieve's own documentation is the knowledge base, a Sieve
 * cascade (BM25 -> MiniLM cross-encoder) is the LangChain retriever, and a LangChain prompt
 * template assembles what a chat model would be sent. No model is called: the prompt is printed.
 *
 * Run: npm run start --workspace examples/rag -- "how do I serve the reranker over HTTP?"
 * The reranker is SIEVE_RAG_RERANKER (a folder or a hub id), else the Hugging Face hub's
 * `Xenova/ms-marco-MiniLM-L-6-v2`, else the trained evaluation reranker `tools/prepare-trained.sh`
 * converts into .cache/models (trained on SciFact claims: a stand-in); when none can be loaded
 * (offline, nothing converted) the example says so and retrieves with BM25 alone.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Document } from '@langchain/core/documents';
import { ChatPromptTemplate } from '@langchain/core/prompts';
import { RunnablePassthrough, RunnableSequence } from '@langchain/core/runnables';
import { type Cascade, createCascade } from '@sieve/cascade';
import type { SieveDocument } from '@sieve/core';
import { createSieveRetriever } from '@sieve/langchain';
import { type CrossEncoder, createCrossEncoder } from '@sieve/rerank';
import { createBm25Retriever, createMemoryDocumentStore } from '@sieve/retrieval';

const root = fileURLToPath(new URL('../../', import.meta.url));
const question = process.argv[2] ?? 'how do I serve the reranker over HTTP?';

/** Sieve's Markdown documentation, cut into passages at headings. */
function loadDocumentation(): SieveDocument[] {
  const files = [
    'README.md',
    ...readdirSync(join(root, 'docs'))
      .filter((name) => name.endsWith('.md'))
      .map((name) => `docs/${name}`),
    ...readdirSync(join(root, 'packages'))
      .map((name) => `packages/${name}/README.md`)
      .filter((path) => existsSync(join(root, path))),
  ];
  const passages: SieveDocument[] = [];
  for (const file of files) {
    const sections = readFileSync(join(root, file), 'utf8').split(/\n(?=#{1,3} )/);
    sections.forEach((section, index) => {
      const [heading = '', ...body] = section.split('\n');
      const text = body.join('\n').trim();
      if (text.length < 80) return;
      passages.push({
        id: `${file}#${index}`,
        title: heading.replace(/^#+\s*/, ''),
        text,
        metadata: { source: relative(root, join(root, file)) },
      });
    });
  }
  return passages;
}

/** The reranker: the first of SIEVE_RAG_RERANKER, the hub, the converted trained model. */
async function loadReranker(): Promise<CrossEncoder | undefined> {
  const trained = join(root, '.cache/models/sieve-eval-MiniLM-L6-scifact');
  const candidates = process.env.SIEVE_RAG_RERANKER
    ? [process.env.SIEVE_RAG_RERANKER]
    : ['Xenova/ms-marco-MiniLM-L-6-v2', ...(existsSync(trained) ? [trained] : [])];
  for (const model of candidates) {
    try {
      return await createCrossEncoder({ model, dtype: 'int8', stageId: 'rerank' });
    } catch (error) {
      console.log(`(reranker ${model} not loaded: ${(error as Error).message.split('\n')[0]})`);
    }
  }
  console.log('(no reranker: BM25 alone)');
  return undefined;
}

const documents = loadDocumentation();
const bm25 = createBm25Retriever();
bm25.add(documents);
const reranker = await loadReranker();
const cascade: Cascade = createCascade({
  retrievers: [bm25],
  documentStore: createMemoryDocumentStore(documents),
  retrievalTopK: 30,
  stages: reranker ? [{ scorer: reranker, topK: 4 }] : [],
  topK: 4,
});

// LangChain from here on: the cascade is a retriever, the context a formatted string.
const retriever = createSieveRetriever({ cascade });
const formatContext = (found: Document[]): string =>
  found
    .map(
      (document, index) =>
        `[${index + 1}] ${document.metadata.source} — ${document.metadata.title} (score ${Number(document.metadata.relevanceScore).toFixed(2)})\n${document.pageContent}`,
    )
    .join('\n\n');
const prompt = ChatPromptTemplate.fromMessages([
  ['system', 'Answer from the context only. Cite passages as [n].\n\nContext:\n{context}'],
  ['human', '{question}'],
]);
const chain = RunnableSequence.from([
  { context: retriever.pipe(formatContext), question: new RunnablePassthrough() },
  prompt,
]);

console.log(
  `${documents.length} passages of Sieve's documentation; ${reranker ? `BM25@30 -> ${reranker.modelId}` : 'BM25'} -> top 4`,
);
const messages = (await chain.invoke(question)).toChatMessages();
for (const message of messages) {
  console.log(`\n--- ${message.getType()} ---\n${String(message.content)}`);
}
await cascade.dispose();
