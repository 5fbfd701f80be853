import { existsSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve, sep } from 'node:path';
import { InvalidArgumentError } from '@sieve/core';
import { type CliContext, typedFromFolder } from './cli-context.js';

/** `owner/name`: a Hugging Face hub id. */
const hubIdPattern = /^[\w.-]+\/[\w.-]+$/;

const isFolder = (path: string): boolean => existsSync(path) && statSync(path).isDirectory();

/**
 * What a model flag (`--reranker`, `--prefilter`, `--embedder`) names: a folder, made absolute
 * against `typedFrom`, or a hub id (`owner/name`), passed through. A value that looks like a path
 * (it starts with `.`, `/` or `~`, exists on disk, or holds a separator and is not `owner/name`)
 * must be a folder.
 *
 * Throws an InvalidArgumentError naming the flag and the path when it is not.
 *
 * @example
 * ```ts
 * resolveModelOption('./models/minilm', { flag: 'reranker', typedFrom: '/home/me' });
 * // '/home/me/models/minilm' (when it exists)
 * resolveModelOption('Xenova/ms-marco-MiniLM-L-6-v2', { flag: 'reranker', typedFrom: '/home/me' });
 * // 'Xenova/ms-marco-MiniLM-L-6-v2'
 * ```
 */
export function resolveModelOption(
  value: string,
  options: { flag: string; typedFrom: string },
): string {
  const flag = `--${options.flag}`;
  if (value.trim() === '') {
    throw new InvalidArgumentError({
      component: 'cli',
      argument: options.flag,
      message: `${flag} is empty; pass a model folder or a hub id such as Xenova/ms-marco-MiniLM-L-6-v2`,
    });
  }
  const home = value === '~' || value.startsWith('~/') || value.startsWith(`~${sep}`);
  const path = resolve(options.typedFrom, home ? join(homedir(), value.slice(1)) : value);
  const looksLikePath =
    /^[.~/]/.test(value) ||
    isAbsolute(value) ||
    existsSync(path) ||
    ((value.includes('/') || value.includes(sep)) && !hubIdPattern.test(value));
  if (!looksLikePath) return value;
  if (!isFolder(path)) {
    throw new InvalidArgumentError({
      component: 'cli',
      argument: options.flag,
      message: `${flag} ${value}: ${existsSync(path) ? `${path} is not a folder` : `${path} does not exist`}; pass a model folder (config.json, a tokenizer and onnx/) or a hub id such as Xenova/ms-marco-MiniLM-L-6-v2`,
    });
  }
  return path;
}

/** One model a command may load, and where it may come from. */
export interface ModelRole {
  /** The flag that names it, without `--`: `reranker`. */
  flag: string;
  /** The flag's value (a folder or a hub id), when given. */
  value?: string | undefined;
  /** Its folder under the models folder, named as on the hub: `ms-marco-MiniLM-L-6-v2`. */
  name: string;
  /** What the hub serves it as: `Xenova/ms-marco-MiniLM-L-6-v2`. */
  hubId: string;
  /** Whether this run loads it; an unneeded model is checked (when named) but not chosen. */
  needed: boolean;
}

/**
 * Where each model of a run comes from, first match wins: its own flag (a folder or a hub id);
 * `--models DIR` when given, which must then hold a folder named after the model; the default
 * models folder when `preferLocal` and it holds one; the hub. Unneeded models come back `null`.
 *
 * Throws an InvalidArgumentError (before anything loads) naming the flag and path of a missing
 * folder, a `--models` folder that does not exist, or the model folders it lacks.
 *
 * @example
 * ```ts
 * const { reranker } = chooseModels(context, {
 *   reranker: { flag: 'reranker', name: 'ms-marco-MiniLM-L-6-v2', hubId: 'Xenova/ms-marco-MiniLM-L-6-v2', needed: true },
 * }, { preferLocal: true });
 * ```
 */
export function chooseModels<Role extends string>(
  context: Pick<CliContext, 'modelsDir' | 'modelsGiven'>,
  roles: Record<Role, ModelRole>,
  options: { preferLocal: boolean; typedFrom?: string },
): Record<Role, string | null> {
  const typedFrom = options.typedFrom ?? typedFromFolder();
  if (context.modelsGiven && !isFolder(context.modelsDir)) {
    throw new InvalidArgumentError({
      component: 'cli',
      argument: 'models',
      message: `--models ${context.modelsDir} ${existsSync(context.modelsDir) ? 'is not a folder' : 'does not exist'}; pass the folder holding the models under their hub names`,
    });
  }
  const chosen = {} as Record<Role, string | null>;
  const missing: ModelRole[] = [];
  for (const [key, role] of Object.entries(roles) as Array<[Role, ModelRole]>) {
    const named =
      role.value === undefined
        ? undefined
        : resolveModelOption(role.value, { flag: role.flag, typedFrom });
    const local = join(context.modelsDir, role.name);
    if (!role.needed) chosen[key] = null;
    else if (named !== undefined) chosen[key] = named;
    else if (context.modelsGiven) {
      if (!isFolder(local)) missing.push(role);
      chosen[key] = local;
    } else chosen[key] = options.preferLocal && isFolder(local) ? local : role.hubId;
  }
  if (missing.length > 0) {
    throw new InvalidArgumentError({
      component: 'cli',
      argument: 'models',
      message: `--models ${context.modelsDir} has no ${missing.map((role) => role.name).join(', ')} folder; put ${missing.length === 1 ? 'it' : 'them'} there, or name ${missing.length === 1 ? 'it' : 'them'} with ${missing.map((role) => `--${role.flag}`).join(', ')} DIR|ID`,
    });
  }
  return chosen;
}
