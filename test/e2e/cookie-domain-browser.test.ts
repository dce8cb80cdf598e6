/**
 * `session.cookie_domain` in a real Chromium: the portal (portal.corp.test) and an app
 * (rmm.corp.test) share the session cookie, so a finished form sends the browser straight to
 * the app on the other origin (its page's CSP allows exactly that origin), with no hand-off;
 * an app outside the cookie's domain (x.wild.test) still gets the session through the hand-off.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { findChromium, requireChromium } from '../helpers/browser.ts';
import { type BrowserGateway, inTab, landOn, PAGES, signIn, startBrowserGateway } from '../helpers/browser-gateway.ts';
import { enrolTotp, nextTotpCode } from '../helpers/gateway.ts';

/** Per case: the app's host, the page, whether the user has an authenticator app, whether the hand-off is used. */
const CASES = [
  { user: 'pw-shared', host: 'rmm.corp.test', page: PAGES.password, totp: false, handoff: false },
  { user: 'totp-shared', host: 'rmm.corp.test', page: PAGES.mfa, totp: true, handoff: false },
  { user: 'pw-outside', host: 'x.wild.test', page: PAGES.password, totp: false, handoff: true },
] as const;

const executable = findChromium();

if (executable === null) {
  it('session.cookie_domain in a real browser (Chromium)', (t) => {
    requireChromium(t);
  });
} else {
  describe('session.cookie_domain in a real browser (Chromium)', { timeout: 180_000 }, () => {
    let run: BrowserGateway;
    const secrets = new Map<string, string>();

    before(async () => {
      run = await startBrowserGateway(executable, {
        users: CASES.map((c) => c.user),
        portalHost: 'portal.corp.test',
        appHosts: ['rmm.corp.test'],
        cookieDomain: 'corp.test',
      });
      for (const c of CASES) if (c.totp) secrets.set(c.user, (await enrolTotp(run.gw, c.user, run.portalHost)).secret);
    });
    after(() => run?.close());

    for (const c of CASES) {
      it(`${c.totp ? 'password and authenticator app' : 'password'}: the app on ${c.host} is reached${c.handoff ? ' through the hand-off' : ' directly'}`, () =>
        inTab(run, async ({ page, posts }) => {
          const url = `${run.origin(c.host)}${c.page}`;
          await page.goto(url);
          await signIn(page, c.user);
          if (c.totp) {
            await page.waitForURL(`${run.portal}/.portcullis/stepup?**`);
            await page.getByLabel('Code', { exact: true }).fill(await nextTotpCode(run.gw, secrets.get(c.user) ?? ''));
            await page.getByRole('button', { name: 'Verify' }).click();
          }
          await landOn(page, url, c.user);
          assert.equal(posts.includes(`${run.origin(c.host)} /.portcullis/sso`), c.handoff, `${posts}`);
          const cookies = await page.context().cookies(run.portal);
          const session = cookies.find((k) => k.name === run.gw.cookieName);
          assert.equal(session?.domain, '.corp.test', 'one cookie for the domain');
        }));
    }
  });
}
