// Filled in by the adapter's implementation.
export {};
