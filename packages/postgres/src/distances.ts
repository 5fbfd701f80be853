/** How vectors are compared: cosine similarity, inner product, or Euclidean (L2) distance. */
export type PgDistance = 'cosine' | 'inner-product' | 'l2';

/** The pgvector operator, HNSW operator class and score of one {@link PgDistance}. */
export interface PgDistanceInfo {
  /** The pgvector distance operator (`<=>`): what `ORDER BY` uses, so the HNSW index serves it. */
  operator: string;
  /** The HNSW index's operator class for this operator. */
  operatorClass: string;
  /** Turns a distance into a score where higher is better. */
  score: (distance: number) => number;
}

/**
 * One table from each distance to its pgvector operator and operator class: the retriever's
 * `ORDER BY` and the index `ensurePgSchema` builds must agree, or the index is not used.
 */
export const pgDistances: Readonly<Record<PgDistance, PgDistanceInfo>> = {
  // Cosine distance is 1 - cosine similarity; the score is the similarity.
  cosine: {
    operator: '<=>',
    operatorClass: 'vector_cosine_ops',
    score: (distance) => 1 - distance,
  },
  // `<#>` is the negative inner product (so that ascending order is best first).
  'inner-product': {
    operator: '<#>',
    operatorClass: 'vector_ip_ops',
    score: (distance) => -distance,
  },
  l2: { operator: '<->', operatorClass: 'vector_l2_ops', score: (distance) => -distance },
};
