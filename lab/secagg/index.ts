/** Secure aggregation: fixed-point vectors modulo 2^64 masked pairwise so that only their sum is readable. */
export * from './fixed-point';
export * from './identity';
export * from './masks';
export * from './fingerprint';
