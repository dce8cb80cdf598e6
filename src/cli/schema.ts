/**
 * `portcullis schema [gateway|users|policy]`: prints the JSON Schema (draft-07) of the files,
 * so editors can validate and complete them. Without an argument, one document holds all three
 * under `definitions`; point an editor at `<file>#/definitions/gateway` (or users, policy), e.g.
 *   # yaml-language-server: $schema=../portcullis.schema.json#/definitions/gateway
 * With an argument, just that schema is printed as a document of its own.
 */
import { GatewayFile, UsersFile } from '../config/schema.ts';
import { PolicyFile } from '../policy/schema.ts';
import type { CliIO } from './check.ts';

const DRAFT = 'http://json-schema.org/draft-07/schema#';
const BASE = 'urn:portcullis:schema';

export const SCHEMA_NAMES = ['gateway', 'users', 'policy'] as const;
export type SchemaName = (typeof SCHEMA_NAMES)[number];

const sources: Record<SchemaName, { schema: object; title: string }> = {
  gateway: { schema: GatewayFile, title: 'Portcullis gateway.yaml' },
  users: { schema: UsersFile, title: 'Portcullis users.yaml' },
  policy: { schema: PolicyFile, title: 'Portcullis policy file (policies/*.yaml)' },
};

/** A plain-JSON copy of one schema with its `$id` and title. */
export function schemaOf(name: SchemaName): Record<string, unknown> {
  const { schema, title } = sources[name];
  return { $id: `${BASE}:${name}`, title, ...(JSON.parse(JSON.stringify(schema)) as object) };
}

/** The whole document: every file's schema under `definitions`. */
export function schemaDocument(): Record<string, unknown> {
  return {
    $schema: DRAFT,
    $id: BASE,
    title: 'Portcullis configuration and policy files',
    description: 'Use #/definitions/gateway, #/definitions/users or #/definitions/policy.',
    definitions: Object.fromEntries(SCHEMA_NAMES.map((name) => [name, schemaOf(name)])),
  };
}

export async function runSchema(args: string[], io: CliIO): Promise<number> {
  if (args.length > 1 || (args.length === 1 && !SCHEMA_NAMES.includes(args[0] as SchemaName))) {
    io.stderr.write(`usage: portcullis schema [${SCHEMA_NAMES.join('|')}]\n`);
    return 2;
  }
  const name = args[0] as SchemaName | undefined;
  const document = name ? { $schema: DRAFT, ...schemaOf(name) } : schemaDocument();
  io.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
  return 0;
}
