import type { ConfigSnapshot } from '../config/config-reader.ts';

/**
 * What the primary process and its workers say to each other over the cluster's IPC channel.
 * Every message is checked on arrival (a message of another shape is ignored).
 */
export type ToWorker =
  /** the files the primary validated (at `version`): serve them (at start, or swap to them) */
  | { readonly type: 'portcullis:config'; readonly version: string; readonly snapshot: ConfigSnapshot }
  | { readonly type: 'portcullis:metrics'; readonly id: number; readonly text?: string; readonly error?: string };

export type ToPrimary =
  /** the validated files, please (a worker starting) */
  | { readonly type: 'portcullis:config?' }
  /** listening, serving `version` */
  | { readonly type: 'portcullis:ready'; readonly version: string }
  /** a reload ended (swapped or not); `version` is the one served now */
  | { readonly type: 'portcullis:reloaded'; readonly version: string }
  /** the metrics of every worker, please, answered with the same id */
  | { readonly type: 'portcullis:metrics?'; readonly id: number };

const record = (m: unknown): m is Record<string, unknown> => typeof m === 'object' && m !== null;

const isSnapshot = (s: unknown): s is ConfigSnapshot =>
  record(s) && record(s.files) && Array.isArray(s.missing) && record(s.dirs);

export function toWorker(m: unknown): ToWorker | null {
  if (!record(m)) return null;
  if (m.type === 'portcullis:config' && typeof m.version === 'string' && isSnapshot(m.snapshot)) return m as ToWorker;
  if (m.type === 'portcullis:metrics' && typeof m.id === 'number') return m as ToWorker;
  return null;
}

export function toPrimary(m: unknown): ToPrimary | null {
  if (!record(m)) return null;
  if ((m.type === 'portcullis:ready' || m.type === 'portcullis:reloaded') && typeof m.version === 'string')
    return m as ToPrimary;
  if (m.type === 'portcullis:metrics?' && typeof m.id === 'number') return m as ToPrimary;
  if (m.type === 'portcullis:config?') return m as ToPrimary;
  return null;
}
