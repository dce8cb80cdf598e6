import { KNOWN_BROWSERS, KNOWN_OS } from '../../context/device.ts';
import { Type } from '../../json-schema.ts';
import { type Criterion, type DeviceFacts, Verdict } from '../types.ts';

interface DevicesSpec {
  types?: DeviceFacts['type'][];
  os?: string[];
  browsers?: string[];
}

const NAME = { pattern: '^[a-z0-9][a-z0-9._-]*$' };

/**
 * `when: { devices: { types: [desktop], os: [windows, macos], browsers: [chrome, edge] } }`:
 * the client's device, parsed from its User-Agent (context/device.ts). Every list given must
 * match (and); any item of a list may (or). An unknown os or browser never matches a list. A
 * request without device facts never matches. The User-Agent is the client's claim: use this
 * to tighten or narrow policy, never as the only thing that lets a request in.
 */
export const devices: Criterion<DevicesSpec> = {
  key: 'devices',
  place: 'when',
  schema: Type.Object(
    {
      types: Type.Optional(
        Type.Array(Type.Union(['desktop', 'mobile', 'tablet', 'other'].map((t) => Type.Literal(t))), {
          minItems: 1,
          uniqueItems: true,
          description: 'desktop, mobile, tablet or other (smart TV, console, no User-Agent)',
        }),
      ),
      os: Type.Optional(
        Type.Array(Type.String(NAME), {
          minItems: 1,
          description: 'lower-case: windows, macos, ios, android, linux, chromeos, ...',
        }),
      ),
      browsers: Type.Optional(
        Type.Array(Type.String(NAME), {
          minItems: 1,
          description: 'lower-case: chrome, edge, firefox, safari, opera, ...',
        }),
      ),
    },
    { additionalProperties: false },
  ),
  reason: 'device-matched',
  identity: false,
  compile(spec, ctx) {
    if (spec.types === undefined && spec.os === undefined && spec.browsers === undefined)
      ctx.error([], 'devices needs types, os, browsers or a combination');
    const names = (key: 'os' | 'browsers', known: ReadonlySet<string>): ReadonlySet<string> | null => {
      const list = spec[key];
      if (list === undefined) return null;
      list.forEach((name, i) => {
        if (!known.has(name.toLowerCase()))
          ctx.warn([key, i], `unknown ${key === 'os' ? 'os' : 'browser'} '${name}' (known: ${[...known].join(', ')})`);
      });
      return new Set(list.map((n) => n.toLowerCase()));
    };
    const types = spec.types ? new Set<string>(spec.types) : null;
    const os = names('os', KNOWN_OS);
    const browsers = names('browsers', KNOWN_BROWSERS);
    return (facts) => {
      if (facts.device === undefined) return Verdict.No;
      const d = facts.device();
      if (types && !types.has(d.type)) return Verdict.No;
      if (os && (d.os === null || !os.has(d.os))) return Verdict.No;
      if (browsers && (d.browser === null || !browsers.has(d.browser))) return Verdict.No;
      return Verdict.Yes;
    };
  },
};
