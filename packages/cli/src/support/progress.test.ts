import { describe, expect, it } from 'vitest';
import { createProgress } from './progress.js';

describe('createProgress', () => {
  it('draws a bar with count, rate and eta, throttled, and clears it', () => {
    let clock = 0;
    const writes: string[] = [];
    const progress = createProgress({
      label: 'scoring',
      total: 10,
      stream: { write: (text: string) => writes.push(text), columns: 200 },
      enabled: true,
      intervalMs: 100,
      now: () => clock,
    });
    clock = 1000;
    progress.tick(2);
    clock = 1050;
    progress.tick(); // within 100 ms: not drawn
    clock = 2000;
    progress.tick(2);
    expect(writes).toHaveLength(2);
    expect(writes[0]).toContain('scoring [#####...................] 2/10 2.0/s eta 4s');
    expect(writes[1]).toContain('5/10 2.5/s eta 2s');
    clock = 2010;
    progress.tick(5); // the last unit is always drawn
    expect(writes[2]).toContain('[########################] 10/10');
    progress.done();
    expect(writes[3]).toBe('\r\u001b[K');
  });

  it('writes nothing when disabled', () => {
    const writes: string[] = [];
    const progress = createProgress({
      label: 'x',
      total: 3,
      stream: { write: (text: string) => writes.push(text) },
      enabled: false,
    });
    progress.tick(3);
    progress.done();
    expect(writes).toEqual([]);
  });
});
