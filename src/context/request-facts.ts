import type { AppFacts, GeoFacts, RequestFacts, UserFacts } from '../policy/types.ts';
import type { Session } from '../session/session.ts';
import { lazyDevice } from './device.ts';
import { type GeoSource, locate } from './geo.ts';

export interface FactsInput {
  readonly host: string;
  readonly path: string;
  readonly method: string;
  readonly app: AppFacts;
  readonly user: UserFacts | null;
  readonly ip: string | null;
  readonly now: number;
  readonly userAgent: string | undefined;
  /** where the IP is: a lookup (context/geo.ts) made on first use only */
  readonly geo: () => GeoFacts | null;
  /** the signed-in session (its trusted-device and risk facts), or null: anonymous */
  readonly session: Pick<Session, 'trusted' | 'risk'> | null;
}

/**
 * The one place RequestFacts are built (the gate, forward-auth, the next step after a password,
 * `portcullis explain`): every caller hands the evaluator objects of one shape, and the costly
 * facts stay lazy.
 */
export function requestFacts(input: FactsInput): RequestFacts {
  const session = input.session;
  return {
    host: input.host,
    path: input.path,
    method: input.method,
    app: input.app,
    user: input.user,
    ip: input.ip,
    now: input.now,
    device: lazyDevice(input.userAgent),
    geo: input.geo,
    trustedDevice: session === null ? undefined : session.trusted === true,
    risk: session === null ? undefined : (session.risk ?? 0),
  };
}

const NOT_LOOKED_UP = Symbol('not looked up');

/** For FactsInput.geo: looks the IP up on the first call only, then returns the same answer. */
export function lazyGeo(source: GeoSource | null, ip: string | null): () => GeoFacts | null {
  let found: GeoFacts | null | typeof NOT_LOOKED_UP = NOT_LOOKED_UP;
  return () => {
    if (found === NOT_LOOKED_UP) found = locate(source, ip);
    return found;
  };
}
