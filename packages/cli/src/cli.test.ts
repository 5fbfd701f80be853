import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main, usage } from './cli.js';
import { commands } from './commands.js';
import type { EvaluationResult } from './results/evaluation-result.js';
import { formatCommandHelp } from './support/command-spec.js';
import { beirMini, onnxFixtures } from './support/test-context.js';

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
    [
      ['bench', 'rerank', '--workload', 'huge'],
      /--workload must be study, scifact, passages, .* or sweep \(or a comma list\), got 'huge'/,
    ],
    [
      ['eval', '--reranker-dtype', 'int4'],
      /--reranker-dtype must be fp32, int8, int8-static or fp16/,
    ],
    [['eval', 'extra'], /unexpected arguments: extra/],
    [
      ['demo', '--colour'],
      /unknown option '--colour' for sieve demo; it accepts --query, --embedder, --prefilter, --reranker, --models, --json, --help/,
    ],
    [['eval', '--query', 'x'], /unknown option '--query' for sieve eval; it accepts --shapes, /],
    [['bench', 'cascade', '--query', 'x'], /for sieve bench cascade; it accepts .*--embedder/],
    [
      ['eval', '--embedder-dtype', 'int4'],
      /--embedder-dtype must be fp32, int8, int8-static or fp16/,
    ],
    [['eval', '--shapes', 'bm25=10,dense=10', '--dataset', '.'], /names 2 retrievers/],
    [['eval', '--reference', 'tiny=3', '--dataset', '.'], /--reference: shape 'tiny=3' needs/],
    [['eval', '--prefilter-max-length', '0'], /--prefilter-max-length must be a positive integer/],
    [['chart'], /sieve chart needs FILE/],
    [['help', 'bogus'], /unknown command 'bogus'/],
    [['eval', '--models'], /argument missing; see sieve eval --help/],
    [['eval', '--shapes', 'bm25=10,tiny=99', '--dataset', '.'], /keeps more than/],
  ])('rejects %j with exit 2 and says what is wrong', async (argv, message) => {
    const io = capture();
    expect(await main(argv)).toBe(2);
    expect(io.err()).toMatch(message);
  });

  it('exits 2 naming a missing dataset and how to get it, flags before the command or after', async () => {
    const io = capture();
    expect(await main(['eval', '--dataset', '/nonexistent/beir', '--no-progress'])).toBe(2);
    expect(await main(['--dataset', '/nonexistent/beir', 'eval', '--no-progress'])).toBe(2);
    expect(io.err()).toMatch(
      /missing dataset: \/nonexistent\/beir.*BEIR folder[\s\S]*missing dataset: \/nonexistent\/beir/,
    );
  });

  it.each([[['help', 'eval']], [['eval', '--help']], [['eval', '-h', '--colour']]])(
    '%j prints the flags of sieve eval only (exit 0)',
    async (argv) => {
      const io = capture();
      expect(await main(argv)).toBe(0);
      const help = io.out();
      expect(help).toMatch(/^usage: sieve eval \[flags\]/);
      for (const flag of [
        '--shapes S;S...',
        '--reference SHAPE',
        '--embedder DIR|ID',
        '--embedder-dtype fp32|int8|int8-static|fp16',
        '--prefilter DIR|ID',
        '--reranker DIR|ID',
      ]) {
        expect(help).toContain(flag);
      }
      expect(help).toContain('--prefilter-max-length N');
      expect(help).toMatch(/dense=N .*hybrid=N/);
      expect(help).not.toMatch(/--query|--strategies/);
      expect(help).toContain('--workload documents|passages');
    },
  );

  it("prints each command's own help: bench cascade, demo, chart", async () => {
    const io = capture();
    expect(await main(['bench', 'cascade', '--help'])).toBe(0);
    expect(await main(['help', 'bench', 'cascade'])).toBe(0);
    const [cascade, again] = io.out().split(/(?=usage: )/);
    expect(cascade).toBe(again);
    expect(cascade).toMatch(
      /^usage: sieve bench cascade \[flags\][\s\S]*--queries N\s+the first N judged queries \(default 30\)/,
    );
    expect(cascade).toContain('--prefilter-max-length N');
    expect(cascade).toContain('--reference SHAPE');
    expect(cascade).toContain('--embedder DIR|ID');
    expect(cascade).toMatch(/default: bm25=100;dense=100;hybrid=100;/);
    for (const [argv, expected, absent] of [
      [
        ['demo', '--help'],
        /usage: sieve demo \[flags\][\s\S]*--query TEXT[\s\S]*--embedder DIR\|ID/,
        /--shapes/,
      ],
      [['chart', '--help'], /usage: sieve chart FILE \[flags\]/, /--models/],
    ] as const) {
      const before = io.out().length;
      expect(await main(argv)).toBe(0);
      const help = io.out().slice(before);
      expect(help).toMatch(expected);
      expect(help).not.toMatch(absent);
    }
  });

  it("lists every flag of a command's table in its help, each flag one type everywhere", () => {
    const types = new Map<string, string>();
    for (const command of commands) {
      const help = formatCommandHelp(command);
      for (const [name, flag] of Object.entries(command.flags)) {
        expect(help).toMatch(new RegExp(`^  --${name}\\b`, 'm'));
        expect(types.get(name) ?? flag.type, `--${name} of sieve ${command.name}`).toBe(flag.type);
        types.set(name, flag.type);
      }
      expect(usage).toContain(`sieve ${command.name}`);
    }
  });

  it('documents no flag in the READMEs that no command accepts', () => {
    const accepted = new Set(commands.flatMap((command) => Object.keys(command.flags)));
    for (const readme of ['../README.md', '../../../README.md']) {
      const text = readFileSync(fileURLToPath(new URL(readme, import.meta.url)), 'utf8');
      const flags = [...text.matchAll(/(?<![\w-])--([a-z][a-z-]*[a-z])/g)].map(
        (match) => match[1]!,
      );
      const unknown = flags.filter((name) => !accepted.has(name) && name !== 'version');
      expect(unknown, readme).toEqual([]);
    }
  });

  it('exits 2 naming the flag and the path of a model folder that does not exist', async () => {
    const io = capture();
    expect(await main(['eval', '--reranker', '/nonexistent/minilm', '--no-progress'])).toBe(2);
    expect(io.err()).toMatch(
      /--reranker \/nonexistent\/minilm: \/nonexistent\/minilm does not exist/,
    );
    // A relative path is relative to where the command was typed (INIT_CWD under npm run).
    const typedFrom = mkdtempSync(join(tmpdir(), 'sieve-typed-'));
    vi.stubEnv('INIT_CWD', typedFrom);
    try {
      expect(
        await main(['bench', 'cascade', '--prefilter', './models/tiny', '--no-progress']),
      ).toBe(2);
      expect(io.err()).toContain(
        `--prefilter ./models/tiny: ${join(typedFrom, 'models/tiny')} does not exist`,
      );
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it('runs sieve eval on the models its flags name and prints them, and the result, as JSON', async () => {
    const io = capture();
    const model = join(onnxFixtures, 'tiny-bert-cross-encoder');
    const results = mkdtempSync(join(tmpdir(), 'sieve-cli-results-'));
    // An empty --models folder keeps the run hermetic (no GEMM graphs, nothing else found there).
    const empty = mkdtempSync(join(tmpdir(), 'sieve-cli-models-'));
    const argv = ['eval', '--dataset', beirMini, '--models', empty, '--results', results, '--json'];
    const shape = ['--shapes', 'bm25=10,tiny=5,minilm=3', '--reranker-dtype', 'fp32'];
    const models = ['--prefilter', model, '--reranker', model, '--prefilter-max-length', '16'];
    expect(await main([...argv, ...shape, ...models])).toBe(0);
    const result = JSON.parse(io.out()) as EvaluationResult;
    expect(result.models).toMatchObject({
      prefilter: model,
      reranker: model,
      prefilterMaxLength: 16,
      rerankerMaxLength: 64,
    });
    expect(io.err()).toContain(`prefilter: ${model} (fp32, max length 16 tokens)`);
  }, 60_000);

  it('exits 2 naming --embedder when the demo is given a folder that does not exist', async () => {
    const io = capture();
    expect(await main(['demo', '--embedder', '/nonexistent/embedder'])).toBe(2);
    expect(io.err()).toContain(
      '--embedder /nonexistent/embedder: /nonexistent/embedder does not exist',
    );
    expect(io.out()).toBe('');
  });

  it('exits 2 when the demo is given a --models folder that does not exist', async () => {
    const io = capture();
    expect(await main(['demo', '--models', '/nonexistent/models'])).toBe(2);
    expect(io.err()).toContain('--models /nonexistent/models does not exist');
    expect(io.out()).toBe('');
  });

  it('checks the demo queries before it indexes or loads any model', async () => {
    const io = capture();
    // A real model folder: were the query checked late, the models would load.
    const models = join(onnxFixtures, 'tiny-bert-cross-encoder');
    expect(
      await main([
        'demo',
        '--query',
        'fine',
        '--query',
        ' ',
        '--prefilter',
        models,
        '--reranker',
        models,
      ]),
    ).toBe(2);
    expect(io.err()).toMatch(/--query is empty/);
    expect(io.out()).toBe('');
  });
});
