/** A run whose figures cannot be trusted (a check failed): reported as BENCHMARK INVALID, exit 1. */
export class BenchError extends Error {}

export function fail(message: string): never {
  throw new BenchError(message);
}
