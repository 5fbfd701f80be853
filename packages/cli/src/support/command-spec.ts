import { type ParseArgsConfig, parseArgs } from 'node:util';
import { InvalidArgumentError } from '@sieve/core';
import type { CliContext } from './cli-context.js';

/** One flag a command accepts: what the parser needs and what the help says, in one place. */
export interface FlagSpec {
  type: 'string' | 'boolean';
  /** The value's placeholder in the help (`N`, `DIR`, `DIR|ID`); string flags only. */
  value?: string;
  /** The flag may repeat; its values come as an array. @default false */
  multiple?: boolean;
  /** One-letter alias, e.g. `h` for `-h`. */
  short?: string;
  /** The help line: what it does and its default. */
  description: string;
}

/** A command's flags by name, without the leading `--`. */
export type FlagTable = Readonly<Record<string, FlagSpec>>;

/** A flag's parsed value (distributes, so a table of any flags gives any value). */
type FlagValue<Type, Multiple> = Type extends 'boolean'
  ? boolean
  : Multiple extends true
    ? string[]
    : string;

/** What the parser returns for a flag table: each flag's value when given. */
export type FlagValues<Table extends FlagTable> = {
  [Name in keyof Table]?: FlagValue<Table[Name]['type'], Table[Name]['multiple']>;
};

/**
 * One command of `sieve`: its words, its operands, its flags and what runs it. The parser and
 * the help are both read off `flags`, so a flag cannot be accepted and left out of the help (or
 * the reverse).
 */
export interface CommandSpec<Table extends FlagTable = FlagTable> {
  /** The words after `sieve`: `eval`, `bench cascade`. */
  name: string;
  /** Required operands after the words, by their help name: `['FILE']`. @default [] */
  operands?: readonly string[];
  /** One line: what the command does. */
  summary: string;
  flags: Table;
  /** Text the help prints after the flags (value syntax, examples). */
  notes?: string;
  /** Runs the command; the result is printed as JSON with `--json`. */
  run(input: { values: FlagValues<Table>; operands: string[] }, context: CliContext): unknown;
}

/** Declares a command, keeping its flag names and types for `run` (`values.queries` is a string). */
export function defineCommand<const Table extends FlagTable>(
  spec: CommandSpec<Table>,
): CommandSpec<Table> {
  return spec;
}

/** An InvalidArgumentError (exit 2) that points at the command's help. */
export function usageError(message: string, command?: Pick<CommandSpec, 'name'>): Error {
  return new InvalidArgumentError({
    component: 'cli',
    argument: 'argv',
    message: `${message}; see sieve ${command ? `${command.name} ` : ''}--help`,
  });
}

/** The parser's options of a flag table. */
export function parseArgsOptions(flags: FlagTable): NonNullable<ParseArgsConfig['options']> {
  return Object.fromEntries(
    Object.entries(flags).map(([name, flag]) => [
      name,
      {
        type: flag.type,
        ...(flag.multiple ? { multiple: true } : {}),
        ...(flag.short ? { short: flag.short } : {}),
      },
    ]),
  );
}

/** The width the help is wrapped to. */
const helpColumns = 100;

/** Words of `text` in lines of at most `columns` characters (a longer word gets its own line). */
function wrap(text: string, columns: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line !== '' && line.length + 1 + word.length > columns) {
      lines.push(line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  return [...lines, line];
}

/** `--name VALUE`, as the help and the error messages spell a flag. */
function spell(name: string, flag: FlagSpec): string {
  return `--${name}${flag.type === 'string' ? ` ${flag.value ?? 'VALUE'}` : ''}`;
}

/** `sieve bench cascade [flags]` / `sieve chart FILE [flags]`. */
export function commandSynopsis(command: Pick<CommandSpec, 'name' | 'operands'>): string {
  return ['sieve', command.name, ...(command.operands ?? []), '[flags]'].join(' ');
}

/**
 * The help of one command: usage line, summary, then each flag of its table with its
 * description, then its notes.
 */
export function formatCommandHelp(command: CommandSpec): string {
  const entries = Object.entries(command.flags).map(
    ([name, flag]) =>
      [`${spell(name, flag)}${flag.short ? `, -${flag.short}` : ''}`, flag] as const,
  );
  const width = Math.max(...entries.map(([spelled]) => spelled.length)) + 2;
  const lines = [
    `usage: ${commandSynopsis(command)}`,
    '',
    command.summary,
    '',
    'flags:',
    ...entries.flatMap(([spelled, flag]) =>
      wrap(flag.description, helpColumns - 2 - width).map(
        (line, index) => `  ${(index === 0 ? spelled : '').padEnd(width)}${line}`,
      ),
    ),
  ];
  if (command.notes) lines.push('', command.notes);
  return lines.join('\n');
}

/**
 * Reads `args` (the whole command line after `sieve`, command words included) against the
 * command's flag table. `--help` wins over everything else; a flag the table lacks is a usage
 * error that lists the flags the command accepts; the operands are what follows the command words.
 */
export function parseCommandLine<Table extends FlagTable>(
  command: CommandSpec<Table>,
  args: readonly string[],
): { help: true } | { help: false; values: FlagValues<Table>; operands: string[] } {
  const options = parseArgsOptions(command.flags);
  // A lenient pass first: it sees every flag, known or not, so that --help can win and an
  // unknown flag gets this command's list rather than Node's generic message.
  const { tokens } = parseArgs({
    args: [...args],
    options,
    allowPositionals: true,
    strict: false,
    tokens: true,
  });
  const flags = tokens.filter((token) => token.kind === 'option');
  if (flags.some((token) => token.name === 'help' && 'help' in command.flags))
    return { help: true };
  const unknown = flags.find((token) => !Object.hasOwn(command.flags, token.name));
  if (unknown) {
    throw usageError(
      `unknown option '${unknown.rawName}' for sieve ${command.name}; it accepts ${Object.keys(
        command.flags,
      )
        .map((name) => `--${name}`)
        .join(', ')}`,
      command,
    );
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: [...args], options, allowPositionals: true, strict: true });
  } catch (error) {
    throw usageError((error as Error).message, command);
  }
  const words = command.name.split(' ').length;
  const operands = parsed.positionals.slice(words);
  const wanted = command.operands ?? [];
  if (operands.length < wanted.length) {
    throw usageError(
      `sieve ${command.name} needs ${wanted.slice(operands.length).join(' ')}`,
      command,
    );
  }
  if (operands.length > wanted.length) {
    throw usageError(`unexpected arguments: ${operands.slice(wanted.length).join(' ')}`, command);
  }
  return { help: false, values: parsed.values as FlagValues<Table>, operands };
}
