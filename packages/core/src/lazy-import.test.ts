import { describe, expect, it } from 'vitest';
import { DependencyLoadError } from './errors/dependency-load-error.js';
import { createLazyImport } from './lazy-import.js';

describe('createLazyImport', () => {
  it('imports once, on first use, and prefers an injected module', async () => {
    let loads = 0;
    const load = createLazyImport({
      component: 'test',
      packageName: 'thing',
      fix: 'install it',
      load: async () => {
        loads += 1;
        return { default: { name: 'real' } };
      },
      pick: (loaded) => (loaded as { default: { name: string } }).default,
    });
    expect(loads).toBe(0);
    expect(await load({ name: 'injected' })).toEqual({ name: 'injected' });
    expect(loads).toBe(0);
    expect(await load()).toEqual({ name: 'real' });
    await load();
    expect(loads).toBe(1);
  });

  it('turns a failed import into DependencyLoadError with the fix, and retries later', async () => {
    let attempt = 0;
    const load = createLazyImport({
      component: 'test',
      packageName: 'thing',
      fix: 'install it (npm install thing)',
      load: async () => {
        attempt += 1;
        if (attempt === 1) throw new Error('Cannot find package');
        return 'ok';
      },
      pick: (loaded) => loaded as string,
    });
    const error = await load().catch((caught: unknown) => caught);
    expect(DependencyLoadError.isInstance(error)).toBe(true);
    expect((error as DependencyLoadError).packageName).toBe('thing');
    expect((error as Error).message).toContain('npm install thing');
    expect(await load()).toBe('ok');
  });
});
