import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { arch, platform } from 'node:os';
import { dirname, join } from 'node:path';
import { createLazyImport } from '@sieve/core';

/** The `onnxruntime-node` module (its public API, as a type). */
export type OnnxRuntime = typeof import('onnxruntime-node');

/**
 * Imports `onnxruntime-node` on first use (never at module load), or returns the injected module.
 * A failed import becomes a `DependencyLoadError` that says how to fix it.
 */
export const loadOnnxRuntime: (injected?: OnnxRuntime) => Promise<OnnxRuntime> = createLazyImport({
  component: 'onnx',
  packageName: 'onnxruntime-node',
  fix: 'install it (npm install onnxruntime-node), or pass onnxRuntime',
  load: () => import('onnxruntime-node'),
  pick: (loaded) => ((loaded as { default?: OnnxRuntime }).default ?? loaded) as OnnxRuntime,
});

/** User-facing devices, the keys of {@link deviceExecutionProviders}. */
export const devices = ['cpu', 'cuda', 'auto'] as const;

/** A user-facing device: `cpu`, `cuda`, or `auto` (CUDA when it loads, else CPU). */
export type Device = (typeof devices)[number];

/**
 * The one table from `device` to ONNX Runtime execution providers, in the order they are tried.
 * `auto` tries CUDA and falls back to CPU when the CUDA provider cannot load.
 */
export const deviceExecutionProviders: Readonly<Record<Device, readonly (readonly string[])[]>> = {
  cpu: [['cpu']],
  cuda: [['cuda']],
  auto: [['cuda'], ['cpu']],
};

/**
 * The command that installs `onnxruntime-node`'s CUDA provider next to its CPU binaries: the
 * package's own install script, run directly, because `npm rebuild` silently skips it where the
 * project's `allowScripts` denies it (as Sieve's does, so that `npm install` never downloads CUDA).
 */
export const cudaInstallHint =
  'ONNXRUNTIME_NODE_INSTALL=cuda12 node node_modules/onnxruntime-node/script/install.js (see the @sieve/onnx README, "CUDA")';

/** The providers a session tries for a device, and why a listed one was left out. */
export interface ExecutionProviderPlan {
  /** Provider lists to try in order (the first that creates a session wins). */
  candidates: readonly (readonly string[])[];
  /** Set when CUDA is left out before it is tried: the reason, in Sieve's words. */
  skipped?: string;
}

/**
 * Plans the providers of a device. Before CUDA is tried, its shared libraries are looked for next
 * to the `onnxruntime-node` binding: when they are absent (the default install), CUDA is not tried
 * at all (`auto` goes straight to CPU, `cuda` gets no candidate and fails with the fix), so ONNX
 * Runtime never prints its native "Failed to load library" error on a machine without CUDA. An
 * injected runtime, whose files Sieve cannot see, is tried as is.
 */
export function planExecutionProviders(
  device: Device,
  options: { injected?: boolean } = {},
): ExecutionProviderPlan {
  const candidates = deviceExecutionProviders[device];
  if (device === 'cpu' || options.injected) return { candidates };
  const reason = cudaUnavailableReason();
  if (reason === undefined) return { candidates };
  return {
    candidates: candidates.filter((providers) => !providers.includes('cuda')),
    skipped: reason,
  };
}

/** Why the CUDA provider cannot load here, or undefined when its libraries are in place. */
function cudaUnavailableReason(): string | undefined {
  if (platform() === 'darwin') return 'onnxruntime-node has no CUDA build for macOS';
  let bindingFolder: string;
  try {
    const entry = createRequire(import.meta.url).resolve('onnxruntime-node');
    bindingFolder = join(dirname(entry), '..', 'bin', 'napi-v6', platform(), arch());
  } catch {
    // Not resolvable from here (bundled or injected elsewhere): let ONNX Runtime decide.
    return undefined;
  }
  const libraries =
    platform() === 'win32'
      ? ['onnxruntime_providers_shared.dll', 'onnxruntime_providers_cuda.dll']
      : ['libonnxruntime_providers_shared.so', 'libonnxruntime_providers_cuda.so'];
  const missing = libraries
    .map((name) => join(bindingFolder, name))
    .find((path) => !existsSync(path));
  return missing === undefined
    ? undefined
    : `the CUDA provider of onnxruntime-node is not installed (${missing} is missing)`;
}
