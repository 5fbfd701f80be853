import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from './cli.js';

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((text) => {
    out.push(String(text));
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation((text) => {
    err.push(String(text));
    return true;
  });
  return { out: () => out.join(''), err: () => err.join('') };
}

describe('sieve command line', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('prints help with --help (exit 0) and without a command (exit 2)', async () => {
    const io = capture();
    expect(await main(['--help'])).toBe(0);
    expect(io.out()).toContain('sieve bench rerank');
    expect(await main([])).toBe(2);
  });

  it('prints the package version with --version', async () => {
    const io = capture();
    expect(await main(['--version'])).toBe(0);
    expect(io.out()).toMatch(/^\d+\.\d+\.\d+\n$/);
  });

  it.each([
    [['bogus'], /unknown command 'bogus'/],
    [['bench', 'nope'], /unknown benchmark 'nope'; available: gemm, rerank/],
    [['bench', 'rerank', '--repeats', '0'], /--repeats must be a positive integer, got '0'/],
    [['bench', 'rerank', '--workload', 'huge'], /--workload must be study, scifact or both/],
    [['eval', '--reranker-dtype', 'int4'], /--reranker-dtype must be fp32, int8 or fp16/],
    [['eval', 'extra'], /unexpected arguments: extra/],
    [['demo', '--colour'], /Unknown option '--colour'/],
    [['eval', '--shapes', 'bm25=10,tiny=99', '--dataset', '.'], /keeps more than/],
  ])('rejects %j with exit 2 and says what is wrong', async (argv, message) => {
    const io = capture();
    expect(await main(argv)).toBe(2);
    expect(io.err()).toMatch(message);
  });

  it('exits 2 naming a missing dataset and how to get it', async () => {
    const io = capture();
    expect(await main(['eval', '--dataset', '/nonexistent/beir', '--no-progress'])).toBe(2);
    expect(io.err()).toMatch(/missing dataset: \/nonexistent\/beir.*BEIR folder/);
  });
});
