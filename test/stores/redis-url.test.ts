/**
 * The Redis URLs of `stores.ephemeral`, Sentinel forms included: parsed strictly into ioredis
 * options; every refusal is a PortcullisError that shows no part of the URL (so no password).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inspect } from 'node:util';
import { PortcullisError } from '../../src/errors.ts';
import { ephemeralSpecProblem } from '../../src/stores/ephemeral-spec.ts';
import { parseRedisTarget, redactRedisUrl } from '../../src/stores/redis-url.ts';

describe('redis+sentinel:// URLs', () => {
  it('name the Sentinels, the master, the database and the data nodes’ credentials', () => {
    const t = parseRedisTarget('redis+sentinel://app:p%40ss@10.0.0.1:26379,sentinel-b.example:26380,[::1]/mymaster/2');
    assert.deepEqual(t.options, {
      sentinels: [
        { host: '10.0.0.1', port: 26379 },
        { host: 'sentinel-b.example', port: 26380 },
        { host: '::1', port: 26379 },
      ],
      name: 'mymaster',
      role: 'master',
      db: 2,
      username: 'app',
      password: 'p@ss',
    });
    assert.equal(t.sentinels, 3);
    assert.equal(t.prefix, 'pc:');
    assert.deepEqual(t.secrets, ['p@ss', 'p%40ss']);
  });

  it('take the prefix and the Sentinels’ own credentials as parameters', () => {
    const t = parseRedisTarget(
      'redis+sentinel://:data-pw@h:26379/m?prefix=staging:&sentinel_username=watch&sentinel_password=s%26pw',
    );
    assert.equal(t.prefix, 'staging:');
    assert.equal(t.options.db, 0);
    assert.equal(t.options.password, 'data-pw');
    assert.equal(t.options.username, undefined);
    assert.equal(t.options.sentinelUsername, 'watch');
    assert.equal(t.options.sentinelPassword, 's&pw');
    assert.ok(t.secrets.includes('data-pw') && t.secrets.includes('s&pw'));
  });

  it('rediss+sentinel:// speaks TLS to the Sentinels and to the data nodes', () => {
    const t = parseRedisTarget('rediss+sentinel://h1:26379,h2:26379/m');
    assert.deepEqual(t.options.tls, {});
    assert.equal(t.options.enableTLSForSentinelMode, true);
    assert.deepEqual(t.options.sentinelTLS, {});
    assert.equal(parseRedisTarget('redis+sentinel://h1/m').options.tls, undefined);
  });

  it('refuses malformed URLs, each with a message that shows no part of the URL', () => {
    const secret = 'hunter2';
    const bad: [string, RegExp][] = [
      [`redis+sentinel://:${secret}@h:26379`, /names no master/],
      [`redis+sentinel://:${secret}@h:26379/`, /names no master/],
      [`redis+sentinel://:${secret}@/m`, /lists no Sentinel/],
      [`redis+sentinel://:${secret}@h:26379,/m`, /Sentinel address 2/],
      [`redis+sentinel://:${secret}@h:99999/m`, /Sentinel address 1/],
      [`redis+sentinel://:${secret}@h:port/m`, /Sentinel address 1/],
      [`redis+sentinel://:${secret}@h_x:1/m`, /Sentinel address 1/],
      [`redis+sentinel://:${secret}@h:1/m y`, /master name/],
      [`redis+sentinel://:${secret}@h:1/m/abc`, /database must be a number/],
      [`redis+sentinel://:${secret}@h:1/m/0/extra`, /a Sentinel URL is/],
      [`redis+sentinel://:${secret}@h:1/m?prefx=a`, /unknown redis URL parameter 'prefx'/],
      [`redis+sentinel://:${secret}@h:1/m?sentinel_password=`, /must not be empty/],
      [`redis+sentinel://:${secret}@h:1/m?prefix=a&prefix=b`, /given twice/],
      [`redis+sentinel://:${secret}@h:1/m?prefix=${encodeURIComponent('a b')}`, /prefix/],
      [`redis+sentinel://:%E0%A4%A@h:1/m`, /percent-encoding/],
      // an unencoded '/' in the password: the rest must not be shown as a host either
      [`redis+sentinel://:${secret}/x@h:1/m`, /not host:port|a Sentinel URL is|master name/],
    ];
    for (const [url, message] of bad) {
      assert.throws(
        () => parseRedisTarget(url),
        (err: unknown) => {
          assert.ok(err instanceof PortcullisError, url);
          assert.equal(err.code, 'PC_ERR_CONFIG_INVALID');
          assert.match(err.message, message, url);
          assert.ok(!inspect(err).includes(secret), `${url} shows the password: ${err.message}`);
          assert.ok(!err.message.includes('h:1') && !err.message.includes('h_x'), `${url}: ${err.message}`);
          return true;
        },
        url,
      );
    }
  });

  it('plain redis:// URLs refuse unknown parameters too', () => {
    assert.throws(() => parseRedisTarget('redis://h/0?sentinel_password=x'), /unknown redis URL parameter/);
    assert.throws(() => parseRedisTarget('redis://h/0?db=1'), /unknown redis URL parameter 'db'/);
    assert.equal(parseRedisTarget('redis://h/0?prefix=a:').prefix, 'a:');
  });

  it('redaction hides every password, the Sentinels’ included', () => {
    assert.equal(
      redactRedisUrl('redis+sentinel://u:hunter2@h1:26379,h2:26380/m/0?sentinel_password=s3cret&prefix=a:'),
      'redis+sentinel://u:***@h1:26379,h2:26380/m/0?sentinel_password=***&prefix=a:',
    );
    assert.equal(redactRedisUrl('redis://user:hunter2@h:1/0'), 'redis://user:***@h:1/0');
    assert.equal(redactRedisUrl('redis://h:1/0'), 'redis://h:1/0');
    assert.equal(redactRedisUrl('redis+sentinel://:hunt/er2@h:1/m'), 'redis+sentinel://***');
  });
});

describe('stores.ephemeral as portcullis check sees it', () => {
  it('accepts memory and the four Redis forms; explains what is wrong, without the URL', () => {
    for (const ok of [
      'memory',
      'redis://127.0.0.1:6379/0',
      'rediss://cache.example:6380/1?prefix=pc2:',
      'redis+sentinel://127.0.0.1:26379,127.0.0.1:26380/mymaster',
      'rediss+sentinel://:pw@s1.example,s2.example/mymaster/3',
    ])
      assert.equal(ephemeralSpecProblem(ok), null, ok);
    assert.match(ephemeralSpecProblem('memcached://h') ?? '', /expected 'memory'/);
    assert.match(ephemeralSpecProblem('redis://:hunter2@h/x') ?? '', /database must be a number/);
    const problem = ephemeralSpecProblem('redis+sentinel://:hunter2@h:1') ?? '';
    assert.match(problem, /names no master/);
    assert.ok(!problem.includes('hunter2'));
  });
});
