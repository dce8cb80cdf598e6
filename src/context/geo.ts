/**
 * Where a client IP is in the world: its country and, when the source knows them, coordinates.
 *
 * One small interface, two sources:
 * - an operator-supplied MaxMind DB file (`geo.database` in gateway.yaml: GeoLite2 Country or
 *   City, DB-IP Lite, IPinfo Lite, ...), read with the `maxmind` package. Recommended: the
 *   operator keeps it current.
 * - geoip-lite 1.4, bundled data from 2023 that costs ~140 MB of memory: the fallback, loaded
 *   only when a policy needs geography and no database is configured.
 *
 * Lookups are synchronous and in memory (no I/O on the request path). Private, reserved and
 * unknown addresses have country null; a criterion decides what null means.
 */
import { readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Reader, Response } from 'maxmind';
import type { GeoFacts } from '../policy/types.ts';

/** The `maxmind` package, loaded by the first database opened: a gateway without one never loads it. */
const maxmind = () => createRequire(import.meta.url)('maxmind') as typeof import('maxmind');

export type { GeoFacts };

export interface GeoSource {
  /** for logs and `portcullis check`: `mmdb:GeoLite2-City (2026-11-24)` or `geoip-lite` */
  readonly description: string;
  /** false when the source can only tell countries (impossible travel then never fires) */
  readonly hasCoordinates: boolean;
  /** `ip` is canonical (IPv4-mapped IPv6 already folded); null when the source knows nothing */
  lookup(ip: string): GeoFacts | null;
}

const COUNTRY = /^[A-Z]{2}$/;

/** A country code as the policy compares it, or null for anything that is not one. */
function countryCode(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const upper = value.toUpperCase();
  return COUNTRY.test(upper) ? upper : null;
}

function coordinate(value: unknown, limit: number): number | null {
  return typeof value === 'number' && Number.isFinite(value) && Math.abs(value) <= limit ? value : null;
}

function facts(country: string | null, latitude: number | null, longitude: number | null): GeoFacts | null {
  if (country === null && (latitude === null || longitude === null)) return null;
  // a location is only usable whole
  if (latitude === null || longitude === null) return { country, latitude: null, longitude: null };
  return { country, latitude, longitude };
}

interface MmdbRecord {
  country?: { iso_code?: unknown } | string;
  registered_country?: { iso_code?: unknown };
  /** IPinfo Lite */
  country_code?: unknown;
  location?: { latitude?: unknown; longitude?: unknown };
}

/** Reads the record layouts of the common free databases (MaxMind, DB-IP, IPinfo). */
export function factsOfRecord(record: MmdbRecord | null): GeoFacts | null {
  if (record === null || typeof record !== 'object') return null;
  const country =
    (typeof record.country === 'object' ? countryCode(record.country?.iso_code) : countryCode(record.country)) ??
    countryCode(record.country_code) ??
    // anycast and satellite ranges carry only the country they are registered in
    countryCode(record.registered_country?.iso_code);
  return facts(country, coordinate(record.location?.latitude, 90), coordinate(record.location?.longitude, 180));
}

const mmdbCache = new Map<string, { stamp: string; source: GeoSource }>();

/**
 * Opens a MaxMind DB file. The parsed reader is kept per path while the file's size and
 * modification time stay the same, so a configuration reload does not re-read a large city
 * database. Throws with a readable message when the file is missing or not a MaxMind DB.
 */
export function openMmdb(path: string): GeoSource {
  let stamp: string;
  try {
    const st = statSync(path);
    stamp = `${st.size}:${st.mtimeMs}`;
  } catch (err) {
    throw new Error(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const cached = mmdbCache.get(path);
  if (cached?.stamp === stamp) return cached.source;
  const { Reader: MmdbReader } = maxmind();
  let reader: Reader<Response>;
  try {
    reader = new MmdbReader<Response>(readFileSync(path));
  } catch (err) {
    throw new Error(`${path} is not a MaxMind DB file: ${(err as Error).message}`);
  }
  const meta = reader.metadata;
  const built = meta.buildEpoch.toISOString().slice(0, 10);
  const source: GeoSource = {
    description: `mmdb:${meta.databaseType} (${built})`,
    // country databases carry no location
    hasCoordinates: /city|location|geo/i.test(meta.databaseType) && !/country/i.test(meta.databaseType),
    lookup(ip) {
      try {
        return factsOfRecord(reader.get(ip) as MmdbRecord | null);
      } catch {
        return null;
      }
    },
  };
  mmdbCache.set(path, { stamp, source });
  return source;
}

interface GeoipLite {
  lookup(ip: string): { country?: string; ll?: [number, number] } | null;
}

let geoipLite: GeoSource | undefined;

/** The bundled geoip-lite data, loaded on the first call only (it costs ~140 MB). */
export function bundledGeo(): GeoSource {
  if (geoipLite === undefined) {
    const lib = createRequire(import.meta.url)('geoip-lite') as GeoipLite;
    geoipLite = {
      description: 'geoip-lite (bundled data)',
      hasCoordinates: true,
      lookup(ip) {
        const hit = lib.lookup(ip);
        if (hit === null) return null;
        const [lat, lon] = hit.ll ?? [];
        // geoip-lite answers 0,0 or nothing when it has no location
        const located = lat !== undefined && lon !== undefined && !(lat === 0 && lon === 0);
        return facts(
          countryCode(hit.country),
          located ? coordinate(lat, 90) : null,
          located ? coordinate(lon, 180) : null,
        );
      },
    };
  }
  return geoipLite;
}

/** What the gate asks: never throws, null for private and unknown addresses. */
export function locate(source: GeoSource | null, ip: string | null): GeoFacts | null {
  if (source === null || ip === null) return null;
  return source.lookup(ip);
}
