/**
 * The positive integer `text` spells (`'30'` -> 30), or undefined when it spells none (`'0'`,
 * `'2.5'`, `'ten'`): the one rule for counts the user types, in flags and in cascade shapes.
 */
export function parsePositiveInteger(text: string): number | undefined {
  const value = Number(text);
  return Number.isSafeInteger(value) && value >= 1 ? value : undefined;
}
