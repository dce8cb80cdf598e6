/**
 * Sign-in through an identity provider in a real Chromium on a phone, against a real OpenID
 * Provider on loopback (Entra-like issuer and claims, test/helpers/oidc-provider.ts): the login
 * page for a client's app offers "Sign in with Acme (Microsoft)" and the one for an MSP app does
 * not; the page passes the page checks (nothing wider than the phone, WCAG 2.1 AA, every control
 * reached with Tab); pressing the button goes to the provider and back, through the single
 * sign-on hand-off, to the app with the person's identity; and a person the provider refuses,
 * whose sign-in is started with the keyboard (Tab, Enter), meets the refusal page with its
 * reference and no session. Any CSP violation or console error fails the case.
 *
 * The gateway's hosts (portal.test, acme.test, app.test) are on its one port, which Chromium
 * resolves to loopback; the provider is http://127.0.0.1:PORT/<directory>/v2.0.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { ManualClock } from '../../src/clock.ts';
import {
  findChromium,
  freePort,
  launchChromium,
  type PageProblems,
  requireChromium,
  screenshot,
  upstreamEcho,
  watchProblems,
} from '../helpers/browser.ts';
import { STEP } from '../helpers/browser-gateway.ts';
import { ACME_POLICY, DEFAULT_POLICY, startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { type OpAccount, startTestOp, type TestOp } from '../helpers/oidc-provider.ts';
import { axeViolations, keyboardWalk, overflow } from '../helpers/page-checks.ts';
import { FRESH_RULE, provider, SECRET, TID } from '../idp/fixtures.ts';

/** a phone held upright */
const PHONE = { width: 390, height: 844 } as const;
const DESKTOP = { width: 1280, height: 800 } as const;
const BUTTON = 'Sign in with Acme (Microsoft)';

const pat: OpAccount = {
  sub: 'pairwise-pat',
  claims: {
    tid: TID,
    oid: 'aaaaaaaa-0000-0000-0000-000000000001',
    preferred_username: 'pat@acme.example',
    email: 'pat@acme.example',
    name: 'Pat Client',
    groups: ['cccccccc-0000-0000-0000-000000000002'],
  },
};

interface PhoneTab {
  page: Page;
  problems: PageProblems;
  /** every navigation of the tab, redirects included, as `METHOD url` */
  navigations: string[];
  close(): Promise<void>;
}

/** A new browser context (its own cookies) on a phone, watched for console errors and CSP violations. */
async function phone(browser: Browser): Promise<PhoneTab> {
  const context = await browser.newContext({ viewport: PHONE, isMobile: true, hasTouch: true });
  context.setDefaultTimeout(STEP);
  context.setDefaultNavigationTimeout(STEP);
  const page = await context.newPage();
  const problems = await watchProblems(page);
  const navigations: string[] = [];
  page.on('request', (r) => {
    if (r.isNavigationRequest() && r.frame() === page.mainFrame()) navigations.push(`${r.method()} ${r.url()}`);
  });
  return { page, problems, navigations, close: () => context.close() };
}

/** Where in `navigations` the first one matching `pattern` is; fails when there is none. */
function step(navigations: readonly string[], pattern: RegExp): number {
  const at = navigations.findIndex((n) => pattern.test(n));
  assert.ok(at >= 0, `${pattern} among the navigations:\n${navigations.join('\n')}`);
  return at;
}

/** `s` as a regular expression matching it literally */
const literal = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const executable = findChromium();

if (executable === null) {
  it('sign-in through an identity provider (Chromium)', (t) => {
    requireChromium(t);
  });
} else {
  describe('sign-in through an identity provider (Chromium)', { timeout: 180_000 }, () => {
    let op: TestOp;
    let gw: TestGateway;
    let browser: Browser;
    let origin: (host: string) => string;
    let callback: string;

    before(async () => {
      const port = await freePort();
      origin = (host) => `http://${host}:${port}`;
      callback = `${origin('portal.test')}/.portcullis/oidc/acme-entra/callback`;
      op = await startTestOp({
        path: `/${TID}/v2.0`,
        clients: [{ client_id: 'portcullis', client_secret: SECRET, redirect_uris: [callback] }],
      });
      gw = await startTestGateway({
        // the gateway's clock is the provider's: tokens are checked against it
        clock: new ManualClock(Date.now()),
        gateway: {
          server: { listen: `127.0.0.1:${port}`, public_url: origin('portal.test') },
          identity_providers: [provider(op)],
        },
        policies: {
          '00-msp.yaml': DEFAULT_POLICY,
          'acme.yaml': {
            ...ACME_POLICY,
            rules: [FRESH_RULE, ...ACME_POLICY.rules],
          },
        },
      });
      assert.equal(gw.port, port);
      browser = await launchChromium(executable, { hosts: ['portal.test', 'acme.test', 'app.test'] });
    });
    after(async () => {
      await browser?.close();
      await gw?.close();
      await op?.close();
    });

    /** Opens `url` anonymously: the portal's sign-in page for it. */
    async function signInPageFor(page: Page, url: string): Promise<void> {
      await page.goto(url);
      await page.waitForURL(`${origin('portal.test')}/.portcullis/login?rd=${encodeURIComponent(url)}`);
      await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
    }

    it('on a phone: the client’s app offers its provider, an MSP app does not; the page passes the page checks', async () => {
      const tab = await phone(browser);
      try {
        const { page } = tab;
        const app = `${origin('acme.test')}/reports`;
        await signInPageFor(page, app);
        const button = page.getByRole('link', { name: BUTTON, exact: true });
        assert.equal(await button.isVisible(), true, 'the button is shown');
        assert.equal(
          await button.getAttribute('href'),
          `${origin('portal.test')}/.portcullis/oidc/acme-entra/start?rd=${encodeURIComponent(app)}`,
        );
        // on a phone it takes the card's width, as the sign-in button below does
        const [link, submit] = [
          await button.boundingBox(),
          await page.getByRole('button', { name: 'Sign in', exact: true }).boundingBox(),
        ];
        assert.ok(link && submit, 'both laid out');
        assert.ok(
          link.width <= PHONE.width && Math.abs(link.width - submit.width) <= 1,
          `the button ${link.width} px wide, the Sign in button ${submit.width} px, on a ${PHONE.width} px screen`,
        );
        await screenshot(page, `idp-sign-in-${PHONE.width}`);
        // and on a desktop
        await page.setViewportSize(DESKTOP);
        assert.deepEqual(await overflow(page), [], 'nothing wider than a desktop window');
        await screenshot(page, `idp-sign-in-${DESKTOP.width}`);
        await page.setViewportSize(PHONE);

        assert.deepEqual(await overflow(page), [], 'nothing wider than the screen, nothing cut off');
        assert.deepEqual(await axeViolations(page), [], 'no WCAG 2.1 AA violation');
        await page.emulateMedia({ colorScheme: 'dark' });
        assert.deepEqual(await axeViolations(page), [], 'no WCAG 2.1 AA violation in dark mode');
        await page.emulateMedia({ colorScheme: 'light' });
        const walk = await keyboardWalk(page);
        assert.deepEqual(walk.unreached, [], 'every control, the button among them, is reached with Tab');
        assert.deepEqual(walk.noVisibleFocus, [], 'the focus is visible on every control');
        assert.deepEqual(walk.reordered, [], 'no positive tabindex');

        // an MSP app: the same sign-in page, without the client's provider
        await signInPageFor(page, `${origin('app.test')}/x`);
        assert.equal(await page.getByLabel('User name').isVisible(), true);
        assert.equal(await page.getByRole('link', { name: /^Sign in with/ }).count(), 0, 'no provider button');
        assert.equal(await page.locator('ul.providers').count(), 0);

        assert.deepEqual(tab.problems.list, [], 'no console error, no CSP violation');
        assert.equal(op.counts.authorization, 0, 'nobody was sent to the provider');
      } finally {
        await tab.close();
      }
    });

    it('the button: to the provider, which signs pat in, back to the portal and through the hand-off to the app', async () => {
      op.signInAs(pat);
      const logins = op.counts.logins;
      const seen = gw.upstream.seen.length;
      const tab = await phone(browser);
      try {
        const { page, navigations } = tab;
        const app = `${origin('acme.test')}/reports`;
        await signInPageFor(page, app);
        await page.getByRole('link', { name: BUTTON, exact: true }).click();
        await page.waitForURL(app);
        const echo = await upstreamEcho(page, STEP);
        assert.equal(echo.url, '/reports');
        assert.equal(echo.headers['remote-user'], 'pat@acme.example');
        assert.equal(echo.headers['remote-email'], 'pat@acme.example');
        assert.equal(echo.headers['remote-name'], 'Pat Client');
        // (the browser's own request for /favicon.ico may reach it too)
        const reached = gw.upstream.seen.slice(seen).filter((r) => r.url !== '/favicon.ico');
        assert.deepEqual(
          reached.map((r) => [r.url, r.headers['remote-user']]),
          [['/reports', 'pat@acme.example']],
          'the app was reached once, signed in',
        );

        // the way there, in order: the start, the provider, the callback, the hand-off, the app
        const opOrigin = new URL(op.issuer).origin;
        const start = step(
          navigations,
          new RegExp(`^GET ${literal(origin('portal.test'))}/\\.portcullis/oidc/acme-entra/start\\?rd=`),
        );
        const authorize = step(navigations, new RegExp(`^GET ${literal(`${op.issuer}/auth?`)}`));
        const back = step(navigations, new RegExp(`^GET ${literal(callback)}\\?.*\\bcode=`));
        const handoff = step(navigations, new RegExp(`^POST ${literal(origin('acme.test'))}/\\.portcullis/sso$`));
        const landed = navigations.lastIndexOf(`GET ${app}`);
        assert.ok(start < authorize && authorize < back && back < handoff && handoff < landed, navigations.join('\n'));
        assert.ok(
          navigations.slice(authorize, back).every((n) => n.startsWith(`GET ${opOrigin}/`)),
          'between the authorization request and the callback, only the provider',
        );
        assert.equal(op.counts.logins, logins + 1, 'the provider signed the person in');

        const cookies = await page.context().cookies();
        const named = (host: string, name: string) => cookies.find((c) => c.domain === host && c.name === name);
        assert.ok(named('acme.test', gw.cookieName), 'a session on the app’s host');
        assert.ok(named('portal.test', gw.cookieName), 'a session on the portal');
        assert.equal(named('portal.test', 'portcullis_oidc'), undefined, 'the sign-in cookie is cleared');
        assert.equal((await gw.runtime.durable.getProviderUser('pat@acme.example'))?.provider, 'acme-entra');

        // a page that wants a fresh sign-in: the step-up page offers the provider again
        const fresh = `${origin('acme.test')}/fresh/x`;
        await page.goto(`${origin('portal.test')}/.portcullis/stepup?rd=${encodeURIComponent(fresh)}`);
        await page.getByRole('heading', { level: 1, name: 'Sign in again to go on' }).waitFor();
        const again = page.getByRole('link', { name: BUTTON, exact: true });
        assert.equal(await again.isVisible(), true, 'the provider is offered again');
        assert.equal(
          await again.getAttribute('href'),
          `${origin('portal.test')}/.portcullis/oidc/acme-entra/start?rd=${encodeURIComponent(fresh)}`,
        );
        assert.deepEqual(await overflow(page), [], 'nothing wider than the screen');
        assert.deepEqual(await axeViolations(page), [], 'no WCAG 2.1 AA violation');
        await screenshot(page, `idp-step-up-${PHONE.width}`);
        await page.setViewportSize(DESKTOP);
        await screenshot(page, `idp-step-up-${DESKTOP.width}`);
        assert.deepEqual(tab.problems.list, [], 'no console error, no CSP violation');
      } finally {
        await tab.close();
      }
    });

    it('the provider refuses the person: from the keyboard (Tab, Enter) to the refusal page, its reference, no session', async () => {
      op.signInAs(null);
      const tab = await phone(browser);
      try {
        const { page, problems } = tab;
        await signInPageFor(page, `${origin('acme.test')}/reports`);

        // Tab until the button has the focus (the page focuses the user name first), then Enter
        const button = page.getByRole('link', { name: BUTTON, exact: true });
        const controls = await page.locator('a[href], button, input:not([type=hidden])').count();
        let presses = 0;
        while (!(await button.evaluate((el) => el === el.ownerDocument.activeElement)) && presses <= 2 * controls) {
          await page.keyboard.press('Tab');
          presses++;
        }
        assert.ok(presses <= 2 * controls, 'the button is reached with Tab');
        assert.equal(await button.evaluate((el) => el.matches(':focus-visible')), true, 'its focus is shown');
        const answered = page.waitForResponse((r) => r.url().startsWith(`${callback}?`));
        await page.keyboard.press('Enter');

        const refused = await answered;
        assert.equal(refused.status(), 403);
        assert.equal(new URL(refused.url()).searchParams.get('error'), 'access_denied');
        await page.getByRole('heading', { level: 1, name: 'Access denied' }).waitFor();
        assert.match((await page.locator('body').textContent()) ?? '', /sign-in .* was refused/);
        const reference = (await page.locator('p.reference').textContent()) ?? '';
        assert.match(reference, /^Reference: \S+$/);
        await screenshot(page, `idp-refused-${PHONE.width}`);

        // the reference is the audited refusal's
        await gw.runtime.audit.flush();
        const rows = await gw.runtime.durable.queryAudit({ event: 'login.failure' });
        const row = rows.find((r) => (r.detail as { reason?: string } | null)?.reason === 'provider_refused');
        assert.ok(row, 'the refusal is audited');
        assert.equal(reference, `Reference: ${row.requestId}`);

        const cookies = await page.context().cookies();
        assert.deepEqual(
          cookies.filter((c) => c.name === gw.cookieName || c.name === 'portcullis_oidc').map((c) => c.name),
          [],
          'no session, no sign-in left',
        );
        // Chromium logs the 403 document on the console: that line, and only it, is expected
        const expected = 'the server responded with a status of 403';
        assert.equal(problems.list.filter((p) => p.includes(expected)).length, 1, problems.list.join('\n'));
        assert.deepEqual(
          problems.list.filter((p) => !p.includes(expected)),
          [],
          'no other console error, no CSP violation',
        );
      } finally {
        await tab.close();
      }
    });
  });
}
