/**
 * The `sieve` command. `main(argv)` returns the exit code: 0 done, 1 failed, 2 bad usage.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { InvalidArgumentError, SieveError } from '@sieve/core';
import { runBenchChild } from './bench/strategy-child.js';
import { commands } from './commands.js';
import { createCliContext } from './support/cli-context.js';
import {
  type CommandSpec,
  type FlagTable,
  type FlagValues,
  formatCommandHelp,
  parseArgsOptions,
  parseCommandLine,
  usageError,
} from './support/command-spec.js';
import { optional } from './support/optional.js';

/** The help text `sieve --help` prints: each command in a line, and how to see its flags. */
export const usage = formatUsage(commands);

function formatUsage(list: readonly CommandSpec[]): string {
  const rows = [
    ...list.map((command) => [
      ['sieve', command.name, ...(command.operands ?? [])].join(' '),
      command.summary,
    ]),
    ['sieve help COMMAND', "a command's flags (or: sieve COMMAND --help)"],
  ];
  const width = Math.max(...rows.map(([synopsis]) => synopsis!.length)) + 2;
  return [
    "sieve: Sieve's demo, benchmarks and evaluation",
    '',
    'usage: sieve COMMAND [flags]',
    '',
    'commands:',
    ...rows.map(([synopsis, summary]) => `  ${synopsis!.padEnd(width)}${summary}`),
    '',
    'sieve --version prints the version. Exit codes: 0 done, 1 failed, 2 bad usage.',
  ].join('\n');
}

/** Every flag of every command, for finding the command words among the flags and their values. */
const allFlags: FlagTable = Object.assign(
  { version: { type: 'boolean', description: 'the version' } } satisfies FlagTable,
  ...commands.map((command) => command.flags),
);

const benchmarks = commands
  .filter((command) => command.name.startsWith('bench '))
  .map((command) => command.name.slice('bench '.length));

/** The command the words name (`['bench', 'cascade']`); a usage error when none. */
function findCommand(words: readonly string[]): CommandSpec {
  const [first, second] = words;
  const name = first === 'bench' && second !== undefined ? `bench ${second}` : first;
  const command = commands.find((item) => item.name === name);
  if (command) return command;
  if (first === 'bench') {
    throw usageError(`unknown benchmark '${second}'; available: ${benchmarks.join(', ')}`, {
      name: 'bench',
    });
  }
  throw usageError(
    `unknown command '${first}'; available: ${[...new Set(commands.map((item) => item.name.split(' ')[0]))].join(', ')}, help`,
  );
}

/**
 * Runs the command line `argv` (without node and the script) and returns the exit code: 0 done,
 * 1 failed, 2 bad usage (the message on stderr says what was wrong and how to fix it).
 *
 * @example
 * ```ts
 * process.exitCode = await main(['eval', '--queries', '50', '--json']);
 * ```
 */
export async function main(argv: readonly string[]): Promise<number> {
  if (argv[0] === '__bench-child') return runBenchChild();
  let command: CommandSpec;
  let input: { values: FlagValues<FlagTable>; operands: string[] };
  try {
    // Flags may come before the command: every command's flags tell values from words.
    const { values, positionals: words } = parseArgs({
      args: [...argv],
      options: parseArgsOptions(allFlags),
      allowPositionals: true,
      strict: false,
    });
    if (words.length === 0 || words[0] === 'help') {
      if (words[0] === 'help' && words.length > 1) {
        process.stdout.write(`${formatCommandHelp(findCommand(words.slice(1)))}\n`);
        return 0;
      }
      if (values.version && words.length === 0) {
        const manifest = JSON.parse(
          readFileSync(new URL('../package.json', import.meta.url), 'utf8'),
        ) as { version: string };
        process.stdout.write(`${manifest.version}\n`);
        return 0;
      }
      const asked = words[0] === 'help' || values.help === true;
      process.stdout.write(`${usage}\n`);
      return asked ? 0 : 2;
    }
    command = findCommand(words);
    const parsed = parseCommandLine(command, argv);
    if (parsed.help) {
      process.stdout.write(`${formatCommandHelp(command)}\n`);
      return 0;
    }
    input = parsed;
  } catch (error) {
    process.stderr.write(`sieve: ${(error as Error).message}\n`);
    return 2;
  }
  const { values } = input;
  const text = (name: string): string | undefined =>
    typeof values[name] === 'string' ? values[name] : undefined;
  const context = createCliContext({
    ...(values.json === true ? { json: true } : {}),
    ...optional('models', text('models')),
    ...optional('dataset', text('dataset')),
    ...optional('results', text('results')),
    progress: values['no-progress'] !== true,
  });
  try {
    const result = await command.run(input, context);
    if (context.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return 0;
  } catch (error) {
    const usageProblem = InvalidArgumentError.isInstance(error);
    const message = SieveError.isInstance(error)
      ? error.message
      : String((error as Error)?.message ?? error);
    process.stderr.write(`sieve: ${message}\n`);
    if (process.env.SIEVE_DEBUG && error instanceof Error && error.stack) {
      process.stderr.write(`${error.stack}\n`);
    }
    return usageProblem ? 2 : 1;
  }
}
