/**
 * Every error Portcullis raises on purpose carries a stable code (docs/errors.md lists them).
 * Hostile or invalid input is a PortcullisError; a programming mistake is a TypeError.
 */
export const ErrorCodes = {
  PC_ERR_CONFIG_INVALID: 'the configuration or a policy file is invalid',
  PC_ERR_CONFIG_ENV_MISSING: 'a ${NAME} reference names an unset environment variable',
  PC_ERR_STORE_UNAVAILABLE: 'a store (ephemeral or durable) cannot be reached',
  PC_ERR_USER_EXISTS: 'the user already exists in the users file',
  PC_ERR_USER_UNKNOWN: 'the user does not exist in the users file',
  PC_ERR_KEYS: 'the signing key file is unreadable or invalid',
  PC_ERR_SECRET: 'a sealed secret does not open, or a secret key is invalid',
  PC_ERR_ADMIN_TOKEN: 'the admin API token is too short or unreadable',
  PC_ERR_VAPID: 'the VAPID key pair for Web Push is unreadable or its halves do not match',
} as const;

export type ErrorCode = keyof typeof ErrorCodes;

export class PortcullisError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'PortcullisError';
    this.code = code;
  }
}

export class StoreUnavailableError extends PortcullisError {
  constructor(store: string, cause?: unknown) {
    super('PC_ERR_STORE_UNAVAILABLE', `${store} store unavailable`, { cause });
    this.name = 'StoreUnavailableError';
  }
}
