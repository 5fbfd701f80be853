import { createLazyImport, InvalidArgumentError } from '@sieve/core';

/** The `onnxruntime-node` module (its public API, as a type). */
export type OnnxRuntime = typeof import('onnxruntime-node');

/**
 * Imports `onnxruntime-node` on first use (never at module load), or returns the injected module.
 * A failed import becomes a `DependencyLoadError` that says how to fix it.
 */
export const loadOnnxRuntime: (injected?: OnnxRuntime) => Promise<OnnxRuntime> = createLazyImport({
  component: 'rerank',
  packageName: 'onnxruntime-node',
  fix: 'install it (npm install onnxruntime-node), or pass onnxRuntime',
  load: () => import('onnxruntime-node'),
  pick: (loaded) => ((loaded as { default?: OnnxRuntime }).default ?? loaded) as OnnxRuntime,
});

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
