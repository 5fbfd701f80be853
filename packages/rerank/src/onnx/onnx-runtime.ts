import { DependencyLoadError, InvalidArgumentError } from '@sieve/core';

/** The `onnxruntime-node` module (its public API, as a type). */
export type OnnxRuntime = typeof import('onnxruntime-node');

let cached: Promise<OnnxRuntime> | undefined;

/**
 * Imports `onnxruntime-node` on first use (never at module load), or returns the injected module.
 * A failed import becomes a {@link DependencyLoadError} that says how to fix it.
 */
export function loadOnnxRuntime(injected?: OnnxRuntime): Promise<OnnxRuntime> {
  if (injected) return Promise.resolve(injected);
  cached ??= import('onnxruntime-node').then(
    (module) => ((module as { default?: OnnxRuntime }).default ?? module) as OnnxRuntime,
    (error: unknown) => {
      cached = undefined;
      throw new DependencyLoadError({
        component: 'rerank',
        packageName: 'onnxruntime-node',
        message: `cannot load onnxruntime-node (${(error as Error)?.message ?? error}): install it (npm install onnxruntime-node), or pass onnxRuntime`,
        cause: error,
      });
    },
  );
  return cached;
}

/** User-facing devices. */
export type Device = 'cpu' | 'cuda' | 'auto';

/**
 * The one table from `device` to ONNX Runtime execution providers, in the order they are tried.
 * `auto` tries CUDA and falls back to CPU when the CUDA provider cannot load.
 */
export const deviceExecutionProviders: Readonly<Record<Device, readonly (readonly string[])[]>> = {
  cpu: [['cpu']],
  cuda: [['cuda']],
  auto: [['cuda'], ['cpu']],
};

/** Checks a device value against the table; the error lists the valid values. */
export function assertDevice(device: string): Device {
  if (!(device in deviceExecutionProviders)) {
    throw new InvalidArgumentError({
      component: 'rerank',
      argument: 'device',
      message: `unknown device '${device}'; use one of ${Object.keys(deviceExecutionProviders).join(', ')}`,
    });
  }
  return device as Device;
}
