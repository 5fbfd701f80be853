import type { SieveDocument } from '@sieve/core';

/** A candidate inside one call: mutable per-call state, never shared between calls. */
export interface WorkingCandidate {
  id: string;
  document: SieveDocument | undefined;
  scores: Record<string, number>;
  /** Stage whose score currently orders this candidate. */
  lastStageId: string;
  lastScore: number;
}
