import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { assertDocuments, assertQuery, assertTopK } from './assert-arguments.js';
import { InvalidArgumentError } from './errors/invalid-argument-error.js';
import { InvalidConfigError } from './errors/invalid-config-error.js';
import { parseSettings } from './parse-settings.js';

const schema = z.object({ topK: z.number().int().positive(), name: z.string().default('x') });

describe('parseSettings', () => {
  it('returns the parsed value with defaults', () => {
    expect(parseSettings(schema, { topK: 3 }, { component: 't' })).toEqual({ topK: 3, name: 'x' });
  });

  it('throws InvalidConfigError with every issue and its path', () => {
    let caught: unknown;
    try {
      parseSettings(schema, { topK: -1, name: 5 }, { component: 't' });
    } catch (error) {
      caught = error;
    }
    expect(InvalidConfigError.isInstance(caught)).toBe(true);
    const issues = (caught as InvalidConfigError).issues.map((issue) => issue.path).sort();
    expect(issues).toEqual(['name', 'topK']);
  });
});

describe('argument checks', () => {
  const invalid = (call: () => unknown): InvalidArgumentError => {
    try {
      call();
    } catch (error) {
      if (InvalidArgumentError.isInstance(error)) return error;
      throw error;
    }
    throw new Error('expected InvalidArgumentError');
  };

  it('rejects empty, blank and non-string queries', () => {
    expect(invalid(() => assertQuery('', 'c')).argument).toBe('query');
    expect(invalid(() => assertQuery(' \n', 'c')).message).toContain('empty');
    expect(invalid(() => assertQuery(3, 'c')).message).toContain('number');
    expect(assertQuery('ok', 'c')).toBe('ok');
  });

  it('accepts only positive integers as topK', () => {
    for (const bad of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, '3', undefined]) {
      expect(invalid(() => assertTopK(bad, 'c')).argument).toBe('topK');
    }
    expect(assertTopK(7, 'c')).toBe(7);
  });

  it('rejects duplicate ids, bad ids and non-string texts, naming the element', () => {
    expect(
      invalid(() =>
        assertDocuments(
          [
            { id: 'a', text: '' },
            { id: 'a', text: '' },
          ],
          'c',
        ),
      ).argument,
    ).toBe('documents[1].id');
    expect(invalid(() => assertDocuments([{ id: 'a', text: 1 }], 'c')).argument).toBe(
      'documents[0].text',
    );
    expect(invalid(() => assertDocuments([{ id: '', text: '' }], 'c')).argument).toBe(
      'documents[0].id',
    );
    expect(invalid(() => assertDocuments([null], 'c')).argument).toBe('documents[0]');
    expect(invalid(() => assertDocuments('x', 'c')).argument).toBe('documents');
    expect(invalid(() => assertDocuments([], 'c')).message).toContain('empty');
    expect(assertDocuments([], 'c', { allowEmpty: true })).toEqual([]);
  });
});
