/**
 * `sieve serve` as a real process: it answers, and SIGTERM lets in-flight requests finish and
 * exits 0. Runs the built CLI (built here first; a cache hit when dist is current).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onnxFixtures } from '../support/test-context.js';

const root = fileURLToPath(new URL('../../../../', import.meta.url));

describe('sieve serve (a child process)', () => {
  let child: ChildProcess;
  let url: string;
  const output: string[] = [];

  beforeAll(async () => {
    execFileSync(
      process.execPath,
      [join(root, 'node_modules/turbo/bin/turbo'), 'run', 'build', '--output-logs=errors-only'],
      { cwd: root, stdio: 'ignore' },
    );
    child = spawn(
      process.execPath,
      [
        join(root, 'packages/cli/bin/sieve.js'),
        'serve',
        '--reranker',
        join(onnxFixtures, 'tiny-bert-cross-encoder'),
        '--dtype',
        'fp32',
        '--port',
        '0',
      ],
      { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stdout!.on('data', (chunk) => output.push(String(chunk)));
    child.stderr!.on('data', (chunk) => output.push(String(chunk)));
    url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no listening line: ${output.join('')}`)),
        60_000,
      );
      child.stdout!.on('data', () => {
        const match = /listening on (http:\/\/\S+)/.exec(output.join(''));
        if (match) {
          clearTimeout(timer);
          resolve(match[1]!);
        }
      });
      child.once('exit', (code) => reject(new Error(`exited ${code}: ${output.join('')}`)));
    });
  }, 240_000);

  afterAll(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });

  it('answers, then drains in-flight requests on SIGTERM and exits 0', async () => {
    const texts = Array.from(
      { length: 200 },
      (_, index) => `document number ${index} about aspirin`,
    );
    const ready = await fetch(`${url}/rerank`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'aspirin', texts: ['a', 'b'] }),
    });
    expect(ready.status).toBe(200);
    const requests = Array.from({ length: 16 }, (_, index) =>
      fetch(`${url}/rerank`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: `aspirin ${index}`, texts }),
      }).then(
        async (response) => {
          const body = (await response.json()) as unknown[] | { code: string };
          return Array.isArray(body)
            ? { status: response.status, length: body.length }
            : { status: response.status, code: body.code };
        },
        (error: Error) => ({ status: 0, error: String(error.cause ?? error) }),
      ),
    );
    // Let the requests reach the server, then stop it while they are being scored.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const exited = new Promise<number | null>((resolve) =>
      child.once('exit', (code) => resolve(code)),
    );
    child.kill('SIGTERM');
    const answers = await Promise.all(requests);
    expect(await exited).toBe(0);
    const served = answers.filter((answer) => answer.status === 200);
    expect(served.length).toBeGreaterThan(0);
    for (const answer of answers) {
      // Every request is answered in full, or refused whole: Sieve's 503 while shutting down (a
      // request on an open keep-alive connection), no connection once the port is closed, or a
      // reset of a keep-alive connection that was idle (unread) when close() ended it.
      if (answer.status === 200) expect(answer).toMatchObject({ length: 200 });
      else if (answer.status === 503) expect(answer).toMatchObject({ code: 'shutting_down' });
      else
        expect(answer).toMatchObject({
          status: 0,
          error: expect.stringMatching(/ECONNREFUSED|ECONNRESET/),
        });
    }
    expect(output.join('')).toMatch(/SIGTERM: draining in-flight requests[\s\S]*stopped/);
  });
});
