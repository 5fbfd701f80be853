import { describe, expect, it } from 'vitest';
import { DeadlineExceededError } from './deadline-exceeded-error.js';
import { InvalidArgumentError } from './invalid-argument-error.js';
import { InvalidConfigError } from './invalid-config-error.js';
import { ModelLoadError } from './model-load-error.js';
import { SieveError } from './sieve-error.js';
import { StageError } from './stage-error.js';

describe('SieveError family', () => {
  it('carries a stable code, component, fields and cause', () => {
    const cause = new Error('disk');
    const error = new ModelLoadError({
      component: 'rerank',
      modelId: 'm',
      path: '/x/model.onnx',
      message: 'file missing; run the export tool',
      cause,
    });
    expect(error.code).toBe('model-load');
    expect(error.component).toBe('rerank');
    expect(error.modelId).toBe('m');
    expect(error.path).toBe('/x/model.onnx');
    expect(error.cause).toBe(cause);
    expect(error.message).toBe('[rerank] file missing; run the export tool');
    expect(error).toBeInstanceOf(Error);
  });

  it('isInstance tells the subclasses apart', () => {
    const argument = new InvalidArgumentError({ component: 'c', argument: 'topK', message: 'x' });
    const stage = new StageError({ component: 'c', stageId: 's', message: 'x' });
    expect(SieveError.isInstance(argument)).toBe(true);
    expect(InvalidArgumentError.isInstance(argument)).toBe(true);
    expect(StageError.isInstance(argument)).toBe(false);
    expect(StageError.isInstance(stage)).toBe(true);
    expect(SieveError.isInstance(new Error('plain'))).toBe(false);
    expect(SieveError.isInstance(null)).toBe(false);
    expect(SieveError.isInstance('text')).toBe(false);
  });

  it('isInstance works for an object branded by another copy of the package', () => {
    const foreign = Object.assign(new Error('x'), {
      [Symbol.for('sieve.error')]: true,
      [Symbol.for('sieve.error.deadline-exceeded')]: true,
    });
    expect(SieveError.isInstance(foreign)).toBe(true);
    expect(DeadlineExceededError.isInstance(foreign)).toBe(true);
    expect(InvalidArgumentError.isInstance(foreign)).toBe(false);
  });

  it('InvalidConfigError lists every issue in its message', () => {
    const error = new InvalidConfigError({
      component: 'cascade',
      issues: [
        { path: 'topK', message: 'must be positive' },
        { path: '', message: 'bad' },
      ],
    });
    expect(error.message).toContain('topK: must be positive');
    expect(error.message).toContain('(settings): bad');
    expect(error.issues).toHaveLength(2);
  });
});
