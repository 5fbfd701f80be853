// Filled in by the implementation.
export {};
