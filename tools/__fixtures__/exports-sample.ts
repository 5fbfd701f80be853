// A sample entry file for tools/public-api.test.ts: one export of each form.
export type { A } from './a.js';
export { b, type C, x as d } from './b.js';
export const e = 1;
export async function f(): Promise<void> {}
export interface G {
  g: number;
}
export type H = string;
