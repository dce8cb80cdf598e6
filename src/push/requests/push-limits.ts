/**
 * The limits that keep push from becoming MFA fatigue (contract section 8, the Uber 2022 attack:
 * an attacker with the password sends push after push until the user taps Approve to make it
 * stop). Defaults; the timeout comes from `mfa.push.timeout`.
 */
export interface PushLimits {
  /** a request is answerable this long */
  readonly timeoutMs: number;
  /** pushes per user per 5 minutes */
  readonly perFiveMinutes: number;
  /** pushes per user per hour */
  readonly perHour: number;
  /** denials, expiries or wrong numbers in a row that stop pushes for `cooldownMs` */
  readonly failuresInARow: number;
  readonly cooldownMs: number;
  /** pushes started from one client address (IPv6: its /64) per 5 minutes, whatever the user */
  readonly perAddressPerFiveMinutes: number;
}

export const DEFAULT_PUSH_LIMITS: Omit<PushLimits, 'timeoutMs'> = {
  perFiveMinutes: 3,
  perHour: 10,
  failuresInARow: 3,
  cooldownMs: 15 * 60_000,
  perAddressPerFiveMinutes: 10,
};

export const FIVE_MINUTES_MS = 5 * 60_000;
export const ONE_HOUR_MS = 60 * 60_000;
