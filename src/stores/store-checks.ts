/**
 * The checks a durable store makes on its input before it reaches a statement: a value of the
 * wrong shape is a TypeError (a bug in the caller), never an outage.
 */
export function checkText(what: string, value: unknown): void {
  if (typeof value !== 'string' || value === '') throw new TypeError(`${what} must be a non-empty string`);
}

export function checkTime(what: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw new TypeError(`${what} must be an integer (ms)`);
}

export function checkOptionalText(what: string, value: unknown): void {
  if (value !== null && typeof value !== 'string') throw new TypeError(`${what} must be a string or null`);
}

export function checkOptionalTime(what: string, value: unknown): void {
  if (value !== null) checkTime(what, value);
}

export function checkCount(what: string, value: unknown, max = Number.MAX_SAFE_INTEGER): void {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1 || value > max)
    throw new TypeError(`${what} must be an integer from 1 to ${max}`);
}

export function checkCoordinate(what: string, value: unknown, bound: number): void {
  if (value === null) return;
  if (typeof value !== 'number' || !Number.isFinite(value) || Math.abs(value) > bound)
    throw new TypeError(`${what} must be a number from -${bound} to ${bound}, or null`);
}
