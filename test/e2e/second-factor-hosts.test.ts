/**
 * The second-factor pages for apps on any served host, in a real Chromium: a code from the
 * authenticator app after the password, a recovery code instead, the step-up after `max_age`,
 * and the same form sent again after it succeeded (a double press, the Back button), which must
 * send the person on rather than call the used code "not valid" and count a failure. Each runs
 * with the app on the portal's own host, on another host and on a wildcard host; the users'
 * authenticators are enrolled through the JSON API first.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { findChromium, requireChromium, screenshot } from '../helpers/browser.ts';
import {
  APP_HOSTS,
  type BrowserGateway,
  failuresOf,
  inTab,
  landOn,
  PAGES,
  signIn,
  startBrowserGateway,
} from '../helpers/browser-gateway.ts';
import { enrolTotp, nextTotpCode } from '../helpers/gateway.ts';

const MINUTE = 60_000;
const executable = findChromium();

if (executable === null) {
  it('second factors for apps on any host (Chromium)', (t) => {
    requireChromium(t);
  });
} else {
  describe('second factors for apps on any host (Chromium)', { timeout: 300_000 }, () => {
    let run: BrowserGateway;
    /** user -> what enrolment gave them */
    const enrolled = new Map<string, { secret: string; recoveryCodes: string[] }>();
    const who = (flow: string, i: number) => `${flow}${i}`;
    const secretOf = (user: string) => enrolled.get(user)?.secret ?? '';

    before(async () => {
      const users = APP_HOSTS.flatMap((_, i) => ['totp', 'rec', 'up', 'again'].map((flow) => who(flow, i)));
      run = await startBrowserGateway(executable, { users });
      for (const user of users) enrolled.set(user, await enrolTotp(run.gw, user, run.portalHost));
    });
    after(() => run?.close());

    for (const [i, { where, host }] of APP_HOSTS.entries()) {
      it(`authenticator app after the password: the app ${where} is reached`, () =>
        inTab(run, async ({ page }) => {
          const user = who('totp', i);
          const url = `${run.origin(host)}${PAGES.mfa}`;
          await page.goto(url);
          await signIn(page, user);
          await page.waitForURL(`${run.portal}/.portcullis/stepup?**`);
          await page.getByLabel('Code', { exact: true }).fill(await nextTotpCode(run.gw, secretOf(user)));
          if (host !== run.portalHost) await screenshot(page, `hosts-second-factor-${host}`);
          await page.getByRole('button', { name: 'Verify' }).click();
          await landOn(page, url, user);
          assert.equal(await failuresOf(run.gw, user), 0);
        }));
    }

    for (const [i, { where, host }] of APP_HOSTS.entries()) {
      it(`recovery code instead of the app: the app ${where} is reached`, () =>
        inTab(run, async ({ page }) => {
          const user = who('rec', i);
          const url = `${run.origin(host)}${PAGES.mfa}`;
          await page.goto(url);
          await signIn(page, user);
          await page.waitForURL(`${run.portal}/.portcullis/stepup?**`);
          await page.getByRole('link', { name: 'Recovery code' }).click();
          await page.getByLabel('Recovery code', { exact: true }).fill(enrolled.get(user)?.recoveryCodes[0] ?? '');
          await page.getByRole('button', { name: 'Use recovery code' }).click();
          await page.getByRole('heading', { name: 'Signed in' }).waitFor();
          assert.match((await page.locator('main').textContent()) ?? '', /9 remain/);
          if (host !== run.portalHost) await screenshot(page, `hosts-recovery-accepted-${host}`);
          await page.getByRole('link', { name: 'Continue' }).click();
          await landOn(page, url, user);
        }));
    }

    for (const [i, { where, host }] of APP_HOSTS.entries()) {
      it(`step-up after max_age: the step-up form brings the person back to the app ${where}`, () =>
        inTab(run, async ({ page, posts }) => {
          const user = who('up', i);
          const url = `${run.origin(host)}${PAGES.fresh}`;
          await page.goto(url);
          await signIn(page, user);
          await page.waitForURL(`${run.portal}/.portcullis/stepup?**`);
          await page.getByLabel('Code', { exact: true }).fill(await nextTotpCode(run.gw, secretOf(user)));
          await page.getByRole('button', { name: 'Verify' }).click();
          await landOn(page, url, user);

          // six minutes on, the page needs the second factor again; the session is kept
          run.gw.clock.advance(6 * MINUTE);
          const signIns = posts.filter((p) => p.endsWith(' /.portcullis/login')).length;
          await page.goto(url);
          await page.waitForURL(`${run.portal}/.portcullis/stepup?**`);
          await page.getByRole('heading', { name: 'Confirm it is you' }).waitFor();
          if (host !== run.portalHost) await screenshot(page, `hosts-step-up-${host}`);
          await page.getByLabel('Code', { exact: true }).fill(await nextTotpCode(run.gw, secretOf(user)));
          await page.getByRole('button', { name: 'Verify' }).click();
          await landOn(page, url, user);
          assert.equal(posts.filter((p) => p.endsWith(' /.portcullis/login')).length, signIns, 'no new sign-in');
        }));
    }

    for (const [i, { where, host }] of APP_HOSTS.entries()) {
      it(`the second-factor form sent again after success sends on to the app ${where}, no failure counted`, () =>
        inTab(run, async ({ page }) => {
          const user = who('again', i);
          const url = `${run.origin(host)}${PAGES.mfa}`;
          await page.goto(url);
          await signIn(page, user);
          await page.waitForURL(`${run.portal}/.portcullis/stepup?**`);
          const stepUp = page.url();
          const code = await nextTotpCode(run.gw, secretOf(user));
          await page.getByLabel('Code', { exact: true }).fill(code);
          await page.getByRole('button', { name: 'Verify' }).click();
          await landOn(page, url, user);

          // the same page again (Back, or a second press), the same code: already done
          await page.goto(stepUp);
          await page.getByLabel('Code', { exact: true }).fill(code);
          await page.getByRole('button', { name: 'Verify' }).click();
          await landOn(page, url, user);
          assert.equal(await failuresOf(run.gw, user), 0, 'no failure counted');
          await run.gw.runtime.audit.flush();
          const failures = await run.gw.runtime.durable.queryAudit({ user, event: 'mfa.totp.failure' });
          assert.deepEqual(failures, [], 'no failure audited');
        }));
    }
  });
}
