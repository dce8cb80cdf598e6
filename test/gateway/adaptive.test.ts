import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock } from '../../src/clock.ts';
import { ACME_POLICY, DEFAULT_POLICY, startTestGateway } from '../helpers/gateway.ts';

const WINDOWS_CHROME =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';
const IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1';

test('the gateway judges device and schedule conditions with the request User-Agent and the injected clock', async (t) => {
  const policy = {
    rules: [
      {
        name: 'no-phones-on-console',
        hosts: ['app.test'],
        paths: ['/console/**'],
        when: { devices: { types: ['mobile'] } },
        action: 'deny',
      },
      {
        name: 'reports-office-hours',
        hosts: ['app.test'],
        paths: ['/reports/**'],
        when: { schedule: { days: ['mon', 'tue', 'wed', 'thu', 'fri'], hours: '08:00-18:00', tz: 'Europe/Amsterdam' } },
        action: 'allow',
      },
      { name: 'reports-closed', hosts: ['app.test'], paths: ['/reports/**'], action: 'deny' },
      ...DEFAULT_POLICY.rules,
    ],
  };
  // Monday 2 March 2026, 09:00 in Amsterdam (08:00 UTC)
  const clock = new ManualClock(Date.UTC(2026, 2, 2, 8, 0));
  const gw = await startTestGateway({ clock, policies: { '00-msp.yaml': policy, 'acme.yaml': ACME_POLICY } });
  t.after(() => gw.close());
  const cookie = await gw.login('alice', 'app.test');
  const get = (target: string, ua: string) =>
    gw.send({ host: 'app.test', target, headers: { cookie, 'user-agent': ua } });

  assert.equal((await get('/console/x', WINDOWS_CHROME)).status, 200);
  assert.equal((await get('/console/x', IPHONE)).status, 403, 'a phone is denied');
  assert.equal((await get('/reports/q1', WINDOWS_CHROME)).status, 200, 'office hours');
  clock.advance(10 * 3_600_000); // 19:00 in Amsterdam
  assert.equal((await get('/reports/q1', WINDOWS_CHROME)).status, 403, 'after hours');
});
