import { InvalidArgumentError } from '@sieve/core';

/**
 * Checks, before anything is removed, that `ids` is an array of known ids; otherwise throws
 * {@link InvalidArgumentError} naming the unknown ones, so a removal is all or nothing.
 */
export function assertKnownIds(
  ids: unknown,
  isKnown: (id: string) => boolean,
  component: string,
): readonly string[] {
  if (!Array.isArray(ids)) {
    throw new InvalidArgumentError({
      component,
      argument: 'ids',
      message: 'remove(ids) takes an array of document ids',
    });
  }
  const unknown = ids.filter((id) => typeof id !== 'string' || !isKnown(id));
  if (unknown.length > 0) {
    throw new InvalidArgumentError({
      component,
      argument: 'ids',
      message: `unknown document id(s): ${unknown.slice(0, 5).map(String).join(', ')}; nothing was removed`,
    });
  }
  return ids as string[];
}
