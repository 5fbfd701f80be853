import { describe, expect, it } from 'vitest';
import { formatTable } from './format-table.js';

describe('formatTable', () => {
  it('pads the first column left and the others right, and fills missing cells', () => {
    const table = formatTable(['name', 'value'], [['a', '1.5'], ['longer', '10'], ['short row']]);
    expect(table.split('\n')).toEqual([
      'name       value',
      '---------  -----',
      'a            1.5',
      'longer        10',
      'short row',
    ]);
  });
});
