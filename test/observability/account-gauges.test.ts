/**
 * The account gauges of /metrics on a real gateway (SQLite and memory stores): users with and
 * without a second factor per tenant (`_msp` for the staff, disabled users left out), active
 * access codes, locked accounts. Counted by the gateway's timer (driven through the injected
 * clock), never on a scrape; a failed refresh keeps the last numbers and is counted.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { issueCode } from '../access-codes/helpers.ts';
import { adminPort } from '../admin/helpers.ts';
import { enrolTotp, startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { send } from '../helpers/http.ts';
import { providerUserRecord } from '../idp/fixtures.ts';

async function scrape(gw: TestGateway): Promise<string> {
  const answer = await send(adminPort(gw), { method: 'GET', host: '127.0.0.1', target: '/metrics', headers: {} });
  assert.equal(answer.status, 200);
  return answer.body;
}

/** The value of one sample (`name{labels}`), or undefined when the scrape does not hold it. */
function sample(body: string, series: string): number | undefined {
  const line = body.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

test('the gauges count users with and without MFA, access codes and lockouts per tenant, on the timer only', async (t) => {
  const gw = await startTestGateway({
    users: {
      alice: { groups: ['msp-admins'] },
      bob: { groups: ['techs'] },
      dave: { groups: ['techs'], disabled: true },
      carol: { groups: ['staff'], tenant: 'acme' },
      cody: { groups: ['staff'], tenant: 'acme' },
    },
  });
  t.after(() => gw.close());

  assert.equal(sample(await scrape(gw), 'portcullis_users{tenant="_msp",mfa="yes"}'), undefined, 'not counted yet');
  await gw.timers.tick();
  let body = await scrape(gw);
  assert.equal(sample(body, 'portcullis_users{tenant="_msp",mfa="no"}'), 2, 'alice and bob; dave is disabled');
  assert.equal(sample(body, 'portcullis_users{tenant="_msp",mfa="yes"}'), 0);
  assert.equal(sample(body, 'portcullis_users{tenant="acme",mfa="no"}'), 2);
  assert.equal(sample(body, 'portcullis_access_codes_active{tenant="acme"}'), 0);
  assert.equal(sample(body, 'portcullis_accounts_locked{tenant="_msp"}'), 0);

  await enrolTotp(gw, 'alice');
  await enrolTotp(gw, 'carol');
  await issueCode(gw, 'cody', '1h');
  for (let i = 0; i < 10; i++)
    await gw.runtime.lockout.recordFailure({ account: 'bob', ip: '203.0.113.7', device: null }, 'password');
  assert.equal((await gw.runtime.lockout.status('bob')).locked, true);

  body = await scrape(gw);
  assert.equal(sample(body, 'portcullis_users{tenant="_msp",mfa="yes"}'), 0, 'a scrape counts nothing');

  // enrolling moved the clock (TOTP steps): a minute from now is past the refresh that was due
  await gw.timers.advance(60_000);
  body = await scrape(gw);
  assert.equal(sample(body, 'portcullis_users{tenant="_msp",mfa="yes"}'), 1);
  assert.equal(sample(body, 'portcullis_users{tenant="_msp",mfa="no"}'), 1);
  assert.equal(sample(body, 'portcullis_users{tenant="acme",mfa="yes"}'), 1);
  assert.equal(sample(body, 'portcullis_users{tenant="acme",mfa="no"}'), 1);
  assert.equal(sample(body, 'portcullis_access_codes_active{tenant="acme"}'), 1);
  assert.equal(sample(body, 'portcullis_access_codes_active{tenant="_msp"}'), 0);
  assert.equal(sample(body, 'portcullis_accounts_locked{tenant="_msp"}'), 1);
  assert.equal(sample(body, 'portcullis_accounts_locked{tenant="acme"}'), 0);
  assert.equal(sample(body, 'portcullis_gauges_refreshed_timestamp_seconds'), gw.clock.now() / 1000);

  await gw.runtime.lockout.unlock('bob');
  await gw.timers.advance(59_000);
  assert.equal(sample(await scrape(gw), 'portcullis_accounts_locked{tenant="_msp"}'), 1, 'not a minute yet');
  await gw.timers.advance(1_000);
  assert.equal(sample(await scrape(gw), 'portcullis_accounts_locked{tenant="_msp"}'), 0, 'every minute');

  // an hour later the code has expired (not yet swept)
  await gw.timers.advance(3_600_000);
  body = await scrape(gw);
  assert.equal(sample(body, 'portcullis_access_codes_active{tenant="acme"}'), 0, 'an expired code is not active');
});

test('a failed refresh keeps the last numbers and is counted', async (t) => {
  const gw = await startTestGateway();
  t.after(() => gw.close());
  await gw.timers.tick();
  const before = await scrape(gw);
  const staff = sample(before, 'portcullis_users{tenant="_msp",mfa="no"}');
  assert.ok(staff !== undefined && staff > 0);
  assert.equal(sample(before, 'portcullis_gauge_refresh_errors_total'), 0);

  const durable = gw.runtime.durable as { listUsersWithFactors: () => Promise<string[]> };
  const real = durable.listUsersWithFactors;
  durable.listUsersWithFactors = async () => {
    throw new Error('database is gone');
  };
  await gw.timers.advance(60_000);
  durable.listUsersWithFactors = real;
  const after = await scrape(gw);
  assert.equal(sample(after, 'portcullis_users{tenant="_msp",mfa="no"}'), staff, 'the last numbers stay');
  assert.equal(sample(after, 'portcullis_gauge_refresh_errors_total'), 1);
  assert.equal(
    sample(after, 'portcullis_gauges_refreshed_timestamp_seconds'),
    sample(before, 'portcullis_gauges_refreshed_timestamp_seconds'),
    'the refresh time says how old they are',
  );
});

test("the users identity providers signed in count in their tenant's gauges while their provider serves it", async (t) => {
  const gw = await startTestGateway({
    users: { carol: { groups: ['staff'], tenant: 'acme' } },
    gateway: {
      identity_providers: [
        {
          name: 'acme-entra',
          kind: 'entra',
          label: 'Acme',
          issuer: 'https://login.microsoftonline.com/11111111-2222-3333-4444-555555555555/v2.0',
          client_id: 'c',
          client_secret: 's',
          tenant: 'acme',
        },
      ],
    },
  });
  t.after(() => gw.close());
  const save = (user: string, provider: string) =>
    gw.runtime.durable.saveProviderUser(providerUserRecord(user, { provider }));
  await save('pat@acme.example', 'acme-entra');
  await save('old@acme.example', 'retired-okta');
  await gw.runtime.durable.addFactor({
    id: 'f-pat',
    user: 'pat@acme.example',
    kind: 'totp',
    name: 'phone',
    secret: null,
    data: null,
    createdAt: 1,
    lastUsedAt: null,
  });
  await gw.timers.tick();
  const body = await scrape(gw);
  assert.equal(sample(body, 'portcullis_users{tenant="acme",mfa="yes"}'), 1, 'pat, with an authenticator app');
  assert.equal(
    sample(body, 'portcullis_users{tenant="acme",mfa="no"}'),
    1,
    'carol; the retired provider\u2019s user is not counted',
  );
});
