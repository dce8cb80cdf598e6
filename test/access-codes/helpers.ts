/** Issuing an access code through a test gateway's admin API, and the requests of the flow after the password. */
import assert from 'node:assert/strict';
import { adminPort, generatedToken } from '../admin/helpers.ts';
import type { TestGateway } from '../helpers/gateway.ts';
import { type Answer, send } from '../helpers/http.ts';

export { adminPort };

/** POST /api/v1/users/{user}/access-codes with the generated token (or `authorization`). */
export function issueVia(
  gw: TestGateway,
  user: string,
  body: unknown = {},
  authorization: string | null = `Bearer ${generatedToken(gw)}`,
): Promise<Answer> {
  return send(adminPort(gw), {
    method: 'POST',
    host: '127.0.0.1',
    target: `/api/v1/users/${encodeURIComponent(user)}/access-codes`,
    headers: {
      'content-type': 'application/json',
      ...(authorization === null ? {} : { authorization }),
    },
    body: JSON.stringify(body),
  });
}

/** A code for `user`, valid `ttl`. */
export async function issueCode(gw: TestGateway, user: string, ttl = '1h'): Promise<string> {
  const answer = await issueVia(gw, user, { ttl });
  assert.equal(answer.status, 201, answer.body);
  return answer.json<{ code: string }>().code;
}

/** A JSON call of the portal API on the portal's host with `cookie`. */
export function portalApi(gw: TestGateway, path: string, cookie: string, body: unknown): Promise<Answer> {
  return gw.send({
    method: 'POST',
    host: 'portal.test',
    target: `/.portcullis/api/${path}`,
    headers: { 'content-type': 'application/json', origin: 'http://portal.test', cookie },
    body: JSON.stringify(body),
  });
}

/** A form of the portal's pages on the portal's host with `cookie`. */
export function portalForm(
  gw: TestGateway,
  path: string,
  cookie: string,
  fields: Record<string, string>,
): Promise<Answer> {
  return gw.send({
    method: 'POST',
    host: 'portal.test',
    target: `/.portcullis/${path}`,
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      origin: 'http://portal.test',
      cookie,
      accept: 'text/html',
    },
    body: new URLSearchParams(fields).toString(),
  });
}
