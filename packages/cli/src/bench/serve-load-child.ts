/**
 * The load generator of `sieve bench serve`, in a process of its own so that it does not share the
 * served event loop: one job from the parent over IPC, autocannon against the server, one
 * measurement back, exit. Built as its own entry (`dist/serve-load-child.js`).
 */
import { readFileSync } from 'node:fs';
import { createLatencyHistogram } from '@sieve/core';
import autocannon from 'autocannon';
import type { LoadMeasurement } from '../results/serve-bench-result.js';

/** What the parent asks of the load generator. */
export interface LoadJob {
  /** The server's base URL; the load posts to `<url>/rerank`. */
  url: string;
  connections: number;
  seconds: number;
  /** A JSON file holding the request bodies (strings), cycled through. */
  bodiesFile: string;
}

/**
 * Runs `job.connections` connections against `<url>/rerank` for `job.seconds`. Each connection
 * starts at its own place in the bodies, so concurrent requests carry different queries.
 */
export async function generateLoad(job: LoadJob): Promise<LoadMeasurement> {
  const bodies = JSON.parse(readFileSync(job.bodiesFile, 'utf8')) as string[];
  const requests = bodies.map((body) => ({
    method: 'POST' as const,
    path: '/rerank',
    headers: { 'content-type': 'application/json' },
    body,
  }));
  const stride = Math.max(1, Math.floor(requests.length / job.connections));
  let clients = 0;
  const latency = createLatencyHistogram();
  let finish: (outcome: { error: Error | null; result: autocannon.Result }) => void = () => {};
  const finished = new Promise<{ error: Error | null; result: autocannon.Result }>((done) => {
    finish = done;
  });
  const instance = autocannon(
    {
      url: job.url,
      connections: job.connections,
      duration: job.seconds,
      requests,
      // A slow scoring call under 64 connections can take seconds; autocannon's default is 10 s.
      timeout: 60,
      setupClient: (client) => {
        const offset = (clients++ * stride) % requests.length;
        client.setRequests([...requests.slice(offset), ...requests.slice(0, offset)]);
      },
    },
    (error, result) => finish({ error, result }),
  );
  instance.on('response', (_client, statusCode, _bytes, responseTime) => {
    if (statusCode >= 200 && statusCode < 300) latency.record(responseTime);
  });
  const { error, result } = await finished;
  if (error) throw error;
  return {
    seconds: result.duration,
    responses: result['2xx'],
    errors: result.errors,
    non2xx: result.non2xx,
    latencyMs: latency.summary(),
  };
}

if (process.send) {
  process.once('message', (job: LoadJob) => {
    generateLoad(job).then(
      (measurement) => process.send!({ measurement }, () => process.exit(0)),
      (error: Error) => process.send!({ error: error.message }, () => process.exit(1)),
    );
  });
}
