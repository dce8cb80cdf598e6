import { type GeoFacts, RISK_BITS } from '../policy/types.ts';
import type { SignInRecord } from '../stores/durable.ts';

export interface RiskSettings {
  /** impossible_travel fires above this speed */
  readonly impossibleTravelKmh: number;
  /** new_country looks this far back */
  readonly newCountryWindowMs: number;
  /** recent_failures fires at this many failures */
  readonly recentFailures: number;
}

export interface SignInFacts {
  /** ms: the moment of this sign-in */
  readonly now: number;
  /** the browser brought a valid device cookie of this user, for a device still on record */
  readonly knownDevice: boolean;
  /** where the client IP is, or null (private, unknown, no geography source) */
  readonly here: GeoFacts | null;
  /** the user's earlier completed sign-ins, newest first */
  readonly history: readonly SignInRecord[];
  /** the account's failures within the lockout window, before this sign-in */
  readonly failures: number;
  /** the user answered a push with "this wasn't me" and no administrator has unblocked them since (optional: false) */
  readonly pushReported?: boolean;
}

/**
 * Two sign-ins closer than this never count as travel: IP geolocation is city-level at best,
 * so neighbouring cities, or one address placed in two, must not look like a flight.
 */
export const TRAVEL_TOLERANCE_KM = 100;

const EARTH_RADIUS_KM = 6371.0088;

/** Great-circle distance (haversine), km. */
export function distanceKm(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const rad = Math.PI / 180;
  const dLat = (lat2 - lat1) * rad;
  const dLon = (lon2 - lon1) * rad;
  const a = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(a)));
}

/**
 * The risk signals of one sign-in, as RISK_BITS. Pure: the caller gathers the facts (device
 * cookie, geography, history, failure count) once, when the password is proven.
 *
 * - new_device: the browser brought no device cookie of this user that is still on record
 *   (never completed a sign-in here, cookie cleared, forged, another user's, or forgotten).
 * - new_country: the client's country is known and none of the sign-ins of the window came
 *   from it (so also when there were none). An unknown country is never new: it cannot be
 *   compared (use `countries` to refuse clients nobody can place).
 * - impossible_travel: the previous sign-in and this one both have coordinates, are more than
 *   TRAVEL_TOLERANCE_KM apart, and covering that distance in the time between them would take
 *   more than the configured speed.
 * - recent_failures: the account failed at least the configured number of times within the
 *   lockout window before this sign-in.
 * - push_reported: the user reported a push as not theirs (someone else has the password), until
 *   an administrator unblocks their pushes: a policy can ask for a key meanwhile.
 */
export function assessRisk(facts: SignInFacts, settings: RiskSettings): number {
  let bits = 0;
  if (!facts.knownDevice) bits |= RISK_BITS.new_device;
  const country = facts.here?.country ?? null;
  if (country !== null) {
    const since = facts.now - settings.newCountryWindowMs;
    if (!facts.history.some((h) => h.time >= since && h.country === country)) bits |= RISK_BITS.new_country;
  }
  const previous = facts.history[0];
  const here = facts.here;
  if (
    previous !== undefined &&
    previous.latitude !== null &&
    previous.longitude !== null &&
    here?.latitude != null &&
    here.longitude != null
  ) {
    const km = distanceKm(previous.latitude, previous.longitude, here.latitude, here.longitude);
    const hours = Math.max(0, facts.now - previous.time) / 3_600_000;
    if (km > TRAVEL_TOLERANCE_KM && (hours === 0 || km / hours > settings.impossibleTravelKmh))
      bits |= RISK_BITS.impossible_travel;
  }
  if (facts.failures >= settings.recentFailures) bits |= RISK_BITS.recent_failures;
  if (facts.pushReported === true) bits |= RISK_BITS.push_reported;
  return bits;
}
