/**
 * Sign-in for apps on any served host, in a real Chromium, pressing the real buttons: the
 * password form, enrolment of an authenticator app, and single sign-on from one app to another.
 * Each flow runs with the app on the portal's own host (http://localhost:PORT), on another host
 * and on a wildcard host. A page's CSP `form-action` also governs the redirects after its form
 * is sent, so a flow that ends on another origin only works when the page, the redirect and the
 * hand-off agree; any CSP violation or console error fails the case.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { findChromium, requireChromium, screenshot } from '../helpers/browser.ts';
import {
  APP_HOSTS,
  type BrowserGateway,
  inTab,
  landOn,
  PAGES,
  signIn,
  startBrowserGateway,
} from '../helpers/browser-gateway.ts';
import { nextTotpCode } from '../helpers/gateway.ts';

/** Single sign-on: signed in through one app, then opening another. */
const SSO = [
  { from: 'localhost', to: 'rmm.acme.test' },
  { from: 'rmm.acme.test', to: 'x.wild.test' },
  { from: 'x.wild.test', to: 'localhost' },
] as const;

const executable = findChromium();

if (executable === null) {
  it('sign-in for apps on any host (Chromium)', (t) => {
    requireChromium(t);
  });
} else {
  describe('sign-in for apps on any host (Chromium)', { timeout: 240_000 }, () => {
    let run: BrowserGateway;

    before(async () => {
      const users = [...APP_HOSTS.flatMap((_, i) => [`pw${i}`, `new${i}`]), ...SSO.map((_, i) => `sso${i}`)];
      run = await startBrowserGateway(executable, { users });
    });
    after(() => run?.close());

    for (const [i, { where, host }] of APP_HOSTS.entries()) {
      it(`password form: the app ${where} is reached`, () =>
        inTab(run, async ({ page, posts }) => {
          const url = `${run.origin(host)}${PAGES.password}`;
          await page.goto(url);
          await page.getByRole('heading', { name: 'Sign in' }).waitFor();
          if (host !== run.portalHost) await screenshot(page, `hosts-sign-in-${host}`);
          await signIn(page, `pw${i}`);
          await landOn(page, url, `pw${i}`);
          // a host the portal's cookie does not reach gets it through the hand-off
          const handoff = posts.includes(`${run.origin(host)} /.portcullis/sso`);
          assert.equal(handoff, host !== run.portalHost, `hand-off to ${host}: ${posts}`);
        }));
    }

    for (const [i, { where, host }] of APP_HOSTS.entries()) {
      it(`enrolment: an authenticator app is set up, the recovery codes shown, the app ${where} reached`, () =>
        inTab(run, async ({ page }) => {
          const user = `new${i}`;
          const url = `${run.origin(host)}${PAGES.mfa}`;
          await page.goto(url);
          await signIn(page, user);
          await page.waitForURL(`${run.portal}/.portcullis/enroll?**`);
          // the secret as the page shows it for typing, in groups of four
          const secret = ((await page.locator('code.secret').textContent()) ?? '').replaceAll(' ', '');
          assert.equal(secret.length, 32);
          await page.getByLabel('Code from the app').fill(await nextTotpCode(run.gw, secret));
          if (host !== run.portalHost) await screenshot(page, `hosts-enrolment-${host}`);
          await page.getByRole('button', { name: 'Confirm' }).click();

          await page.getByRole('heading', { name: 'Authenticator added' }).waitFor();
          const codes = await page.locator('ul.codes li').allInnerTexts();
          assert.equal(codes.length, 10, 'ten recovery codes');
          if (host !== run.portalHost) await screenshot(page, `hosts-recovery-codes-${host}`);
          await page.getByRole('link', { name: 'Continue' }).click();
          await landOn(page, url, user);
        }));
    }

    for (const [i, { from, to }] of SSO.entries()) {
      it(`single sign-on: signed in through the app on ${from}, the app on ${to} opens without a sign-in`, () =>
        inTab(run, async ({ page, posts }) => {
          const user = `sso${i}`;
          const first = `${run.origin(from)}${PAGES.password}`;
          await page.goto(first);
          await signIn(page, user);
          await landOn(page, first, user);
          const signIns = posts.filter((p) => p.endsWith(' /.portcullis/login')).length;

          const second = `${run.origin(to)}/pw/other`;
          await page.goto(second);
          // nobody types anything: the sign-in form would stop here
          await landOn(page, second, user);
          assert.equal(posts.filter((p) => p.endsWith(' /.portcullis/login')).length, signIns, 'no second sign-in');
        }));
    }
  });
}
