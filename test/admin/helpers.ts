/** Talking to the admin API of a test gateway: its admin port, its token, JSON requests. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestGateway } from '../helpers/gateway.ts';
import { type Answer, send } from '../helpers/http.ts';

export function adminPort(gw: TestGateway): number {
  return (gw.runtime.admin.server.address() as { port: number }).port;
}

/** The token the gateway generated into its data folder at first start. */
export function tokenFile(gw: TestGateway): string {
  return join(gw.runtime.state().files.gateway.data_dir, 'admin.token');
}

export function generatedToken(gw: TestGateway): string {
  return readFileSync(tokenFile(gw), 'utf8').trim();
}

/** Sends `method target` to the admin listener with `authorization` (none when undefined). */
export function callAdmin(
  gw: TestGateway,
  method: string,
  target: string,
  authorization: string | undefined,
): Promise<Answer> {
  return send(adminPort(gw), {
    method,
    host: '127.0.0.1',
    target,
    headers: authorization === undefined ? {} : { authorization },
  });
}
