/**
 * The request logger made on the first line: a request that writes nothing costs no pino child;
 * one that writes gets its request id on every line, with the redaction of the server's logger.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FastifyBaseLogger } from 'fastify';
import { LazyRequestLogger } from '../../src/observability/lazy-logger.ts';
import { createLogger } from '../../src/observability/logger.ts';

test('no child until a line is written; then one child, bound to the request id', () => {
  const lines: Record<string, unknown>[] = [];
  const parent = createLogger({
    level: 'info',
    destination: { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) },
  }) as unknown as FastifyBaseLogger;
  let children = 0;
  const counting = new Proxy(parent, {
    get(target, key, receiver) {
      if (key === 'child')
        return (...args: Parameters<FastifyBaseLogger['child']>) => {
          children++;
          return target.child(...args);
        };
      return Reflect.get(target, key, receiver);
    },
  });
  const quiet = new LazyRequestLogger(counting, { reqId: 'r-quiet' });
  assert.equal(quiet.level, 'info');
  assert.equal(children, 0, 'a request that logs nothing makes no child');

  const loud = new LazyRequestLogger(counting, { reqId: 'r-loud' });
  loud.info({ status: 403 }, 'request refused');
  loud.warn('twice');
  loud.debug('below the level');
  assert.equal(children, 1, 'one child, made on the first line');
  assert.deepEqual(
    lines.map((l) => [l.reqId, l.msg, l.status]),
    [
      ['r-loud', 'request refused', 403],
      ['r-loud', 'twice', undefined],
    ],
  );
  const nested = loud.child({ component: 'x' });
  nested.error('nested');
  assert.equal(lines.at(-1)?.reqId, 'r-loud');
  assert.equal(lines.at(-1)?.component, 'x');
});
