import { readFileSync } from 'node:fs';
import { parseDuration } from '../config/duration.ts';
import type { Locate } from '../config/load.ts';
import type { AppSpec } from '../config/schema.ts';
import type { Static } from '../json-schema.ts';
import { canonicalFingerprint, DEFAULT_UPSTREAM, type UpstreamSettings } from './upstream-settings.ts';

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/;

/**
 * An app's `upstream_options` resolved at config load: durations in milliseconds, the CA file
 * read (a missing or unreadable file, or one without a PEM certificate, is a located problem), pins
 * in Node's spelling. TLS options on an http upstream are a problem too: they would mean nothing.
 */
export function upstreamSettings(
  spec: Static<typeof AppSpec>,
  upstream: string,
  locate: Locate,
  index: number,
  problems: string[],
): UpstreamSettings {
  const o = spec.upstream_options;
  if (o === undefined) return DEFAULT_UPSTREAM;
  const at = (...p: (string | number)[]) => locate(['apps', index, 'upstream_options', ...p]);
  const d = DEFAULT_UPSTREAM;
  let ca: string | null = null;
  if (o.tls !== undefined && !upstream.startsWith('https:'))
    problems.push(`${at('tls')}: TLS options need an https:// upstream (this one is ${upstream})`);
  if (o.tls?.ca !== undefined) {
    try {
      ca = readFileSync(o.tls.ca, 'utf8');
      if (!PEM_CERTIFICATE.test(ca)) {
        problems.push(`${at('tls', 'ca')}: ${o.tls.ca} holds no PEM certificate`);
        ca = null;
      }
    } catch {
      problems.push(`${at('tls', 'ca')}: CA file not found or unreadable: ${o.tls.ca}`);
    }
  }
  return Object.freeze({
    connections: o.connections ?? d.connections,
    keepAliveMs: o.keep_alive === undefined ? d.keepAliveMs : parseDuration(o.keep_alive),
    connectTimeoutMs: o.connect_timeout === undefined ? d.connectTimeoutMs : parseDuration(o.connect_timeout),
    headersTimeoutMs: o.headers_timeout === undefined ? d.headersTimeoutMs : parseDuration(o.headers_timeout),
    bodyTimeoutMs: o.body_timeout === undefined ? d.bodyTimeoutMs : parseDuration(o.body_timeout),
    tls: Object.freeze({
      ca,
      pins: (o.tls?.pin_sha256 ?? []).map(canonicalFingerprint),
      serverName: o.tls?.server_name ?? null,
    }),
  });
}
