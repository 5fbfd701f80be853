import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const embedderModule = fileURLToPath(
  new URL('../embedder/create-onnx-embedder.ts', import.meta.url),
);
const folder = fileURLToPath(new URL('../__fixtures__/tiny-bert-bi-encoder/', import.meta.url));

describe('worker pool', () => {
  it('lets a script that forgets dispose() exit: idle workers do not hold the process', () => {
    const script = `
      const { createOnnxEmbedder } = await import(${JSON.stringify(embedderModule)});
      const embedder = await createOnnxEmbedder({ model: ${JSON.stringify(folder)}, workers: 2, intraOpThreads: 1 });
      const { embeddings } = await embedder.doEmbed({ texts: ['a', 'b', 'c'] });
      console.log('embedded', embeddings.length);
    `;
    const child = spawnSync(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script],
      {
        encoding: 'utf8',
        timeout: 30_000,
      },
    );
    expect(child.error).toBeUndefined();
    expect(child.stdout).toContain('embedded 3');
    expect(child.status).toBe(0);
  }, 40_000);
});
