/**
 * Security keys and passkeys in a real Chromium, through the real portal pages of a real
 * gateway: a CDP virtual authenticator (a passkey on this device, with user verification)
 * stands in for the person's key. The steps run in order and share one browser page, so the
 * authenticator keeps its credential from registration to passwordless sign-in and step-up.
 *
 * The portal is http://localhost:PORT (a secure context, so WebAuthn works over plain HTTP; the
 * relying party id is `localhost`); the app is http://app.test:PORT, which Chromium resolves to
 * loopback. The app hands its sign-ins to the portal and gets the session back through the
 * single sign-on hand-off. Screenshots land in test-results/screenshots/.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import {
  addVirtualAuthenticator,
  controlPasskeyAutofill,
  enableVirtualAuthenticators,
  findChromium,
  freePort,
  launchChromium,
  type PageProblems,
  requireChromium,
  screenshot,
  upstreamEcho,
  type VirtualAuthenticator,
  watchProblems,
} from '../helpers/browser.ts';
import { PASSWORD, startTestGateway, type TestGateway } from '../helpers/gateway.ts';

/** Per step: generous, but every wait is for something (a URL, an element), never a fixed time. */
const STEP = 15_000;
const MINUTE = 60_000;

const POLICY = {
  rules: [
    // a rule that looks at trusted devices: trusting one changes something, so it is offered
    {
      name: 'trusted-browsers-only',
      hosts: ['app.test'],
      paths: ['/trusted-only/**'],
      when: { trusted_device: false },
      action: 'deny',
    },
    {
      name: 'reports-need-a-key',
      hosts: ['app.test'],
      paths: ['/secure/**'],
      action: 'authenticate',
      require: { level: 'phishing_resistant', max_age: '5m' },
    },
    { name: 'staff', hosts: ['app.test'], action: 'authenticate', require: { level: 'password' } },
  ],
};

interface Run {
  gw: TestGateway;
  browser: Browser;
  context: BrowserContext;
  page: Page;
  key: VirtualAuthenticator;
  autofill: { set(on: boolean): void };
  problems: PageProblems;
  portal: string;
  app: string;
  screenshots: string[];
}

/** The claims of the signed assertion the app received. */
function assertionClaims(headers: Record<string, string>): { sub: string; amr: string[] } {
  const jwt = headers['x-portcullis-assertion'] ?? '';
  return JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8'));
}

/**
 * Basic accessibility of the page as it is shown: every visible form field has a label (a
 * <label for>, a wrapping <label>, aria-label or aria-labelledby), every visible button a name.
 */
async function checkLabels(page: Page): Promise<void> {
  const unlabelled: string[] = await page.evaluate(`
    [...document.querySelectorAll('input, select, textarea')]
      .filter((el) => el.type !== 'hidden' && el.getClientRects().length > 0)
      .filter((el) => !(el.labels && el.labels.length > 0) && !el.getAttribute('aria-label') && !el.getAttribute('aria-labelledby'))
      .map((el) => el.outerHTML)`);
  assert.deepEqual(unlabelled, [], `fields without a label on ${page.url()}`);
  const buttonsWithoutName: string[] = await page.evaluate(`
    [...document.querySelectorAll('button')]
      .filter((el) => el.getClientRects().length > 0 && !(el.textContent.trim() || el.getAttribute('aria-label')))
      .map((el) => el.outerHTML)`);
  assert.deepEqual(buttonsWithoutName, [], `buttons without a name on ${page.url()}`);
}

const hasFocus = (target: Locator): Promise<boolean> => target.evaluate((el) => el === el.ownerDocument.activeElement);

/**
 * Presses Tab until `target` has the focus (it must be reachable with the keyboard), then checks
 * the focus shows: :focus-visible matches and draws an outline (or a shadow).
 */
async function tabTo(page: Page, target: Locator): Promise<void> {
  await page.locator('body').focus();
  for (let i = 0; i < 20; i++) {
    await page.keyboard.press('Tab');
    if (await hasFocus(target)) break;
  }
  assert.equal(await hasFocus(target), true, 'reachable with Tab');
  const focus = await target.evaluate((el) => {
    const s = el.ownerDocument.defaultView.getComputedStyle(el);
    return {
      visible: el.matches(':focus-visible') as boolean,
      outline: `${s.outlineStyle} ${s.outlineWidth}`,
      shadow: String(s.boxShadow),
    };
  });
  assert.equal(focus.visible, true, 'keyboard focus is :focus-visible');
  assert.ok(
    (!focus.outline.startsWith('none') && !focus.outline.endsWith(' 0px')) || focus.shadow !== 'none',
    `the focus is drawn (outline ${focus.outline}, shadow ${focus.shadow})`,
  );
}

/** How many times the app (the upstream) served `path`. */
const served = (run: Run, path: string): number => run.gw.upstream.seen.filter((r) => r.url === path).length;

/** Follows the page on to the app (through the hand-off) and returns what the upstream saw. */
async function landOnApp(run: Run, path: string) {
  await run.page.waitForURL(`${run.app}${path}`, { timeout: STEP });
  const echo = await upstreamEcho(run.page, STEP);
  assert.equal(echo.url, path);
  assert.equal(echo.headers['remote-user'], 'alice');
  return echo;
}

const executable = findChromium();

if (executable === null) {
  it('WebAuthn in a real browser (Chromium)', (t) => {
    requireChromium(t);
  });
} else {
  describe('WebAuthn in a real browser (Chromium)', { timeout: 180_000 }, () => {
    let run: Run;
    const path = '/secure/report?q=1';

    before(async () => {
      const port = await freePort();
      const gw = await startTestGateway({
        gateway: { server: { listen: `127.0.0.1:${port}`, public_url: `http://localhost:${port}` } },
        policies: { '00-app.yaml': POLICY },
        users: { alice: { groups: ['msp-admins'], email: 'alice@msp.example', name: 'Alice Admin' } },
      });
      assert.equal(gw.port, port);
      const browser = await launchChromium(executable, { hosts: ['app.test'] });
      const context = await browser.newContext({ viewport: { width: 800, height: 900 } });
      context.setDefaultTimeout(STEP);
      context.setDefaultNavigationTimeout(STEP);
      const page = await context.newPage();
      const problems = await watchProblems(page);
      // the passkey button first; the autofill (which a virtual authenticator answers at once) later
      const autofill = await controlPasskeyAutofill(page);
      const key = await addVirtualAuthenticator(await enableVirtualAuthenticators(context, page));
      run = {
        gw,
        browser,
        context,
        page,
        key,
        autofill,
        problems,
        portal: `http://localhost:${port}`,
        app: `http://app.test:${port}`,
        screenshots: [],
      };
    });

    after(async () => {
      await run?.browser.close();
      await run?.gw.close();
      if (run?.screenshots.length) console.log(`screenshots: ${run.screenshots.join(', ')}`);
    });

    it('signs in with a password, registers a passkey and shows the recovery codes once', async () => {
      const { page } = run;
      await page.goto(`${run.app}${path}`);
      await page.waitForURL(`${run.portal}/.portcullis/login?rd=${encodeURIComponent(`${run.app}${path}`)}`);
      // the script shows the passkey button when the browser can use WebAuthn
      await page.getByRole('button', { name: 'Sign in with a passkey' }).waitFor({ state: 'visible' });
      await checkLabels(page);
      const css = await page.request.get(`${run.portal}/.portcullis/static/portal.css`);
      assert.match(await css.text(), /:focus-visible/, 'the stylesheet styles keyboard focus');
      run.screenshots.push(await screenshot(page, 'sign-in'));

      await page.getByLabel('User name').fill('alice');
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();

      // the app's rule needs a key and alice has none: enrolment, keys only
      await page.waitForURL(`${run.portal}/.portcullis/enroll?**`);
      const register = page.getByRole('button', { name: 'Register a security key or passkey' });
      await register.waitFor({ state: 'visible' });
      assert.equal(await page.getByText('an authenticator app is not enough there').isVisible(), true);
      await checkLabels(page);
      run.screenshots.push(await screenshot(page, 'enrolment'));

      await page.getByLabel('Name it').fill('Laptop passkey');
      await tabTo(page, register);
      await page.keyboard.press('Enter');
      const done = page.getByRole('heading', { name: 'Security key added' });
      await done.waitFor({ state: 'visible' });
      const codes = await page.locator('[data-webauthn-done] ol.codes li').allInnerTexts();
      assert.equal(codes.length, 10, 'ten recovery codes');
      assert.equal(new Set(codes).size, 10);
      assert.equal(await register.isVisible(), false, 'the registration is done and hidden');
      assert.equal(await page.locator('[data-webauthn-error]').first().isVisible(), false);
      run.screenshots.push(await screenshot(page, 'enrolment-recovery-codes'));

      const credentials = await run.key.credentials();
      assert.equal(credentials.length, 1);
      assert.equal(credentials[0]?.isResidentCredential, true, 'a passkey (discoverable)');

      // on to the app; the codes are not shown again
      const next = page.getByRole('link', { name: 'Continue' });
      assert.equal(await hasFocus(next), true, 'Continue has the focus');
      await next.click();
      const echo = await landOnApp(run, path);
      assert.ok(assertionClaims(echo.headers).amr.includes('hwk'));

      await page.goto(`${run.portal}/.portcullis/`);
      await page.getByRole('heading', { name: 'Account' }).waitFor();
      assert.equal(await page.getByText('Laptop passkey').first().isVisible(), true);
      assert.equal(await page.getByText('Passkey (this device)').isVisible(), true);
      await checkLabels(page);
      assert.equal(await page.getByText(codes[0] ?? '-').count(), 0, 'the recovery codes are shown once');
      assert.match((await page.locator('main').textContent()) ?? '', /10 of 10 unused/);
      assert.deepEqual(run.problems.list, []);
    });

    it('signs out, then signs in with the passkey alone (keyboard) and reaches the key-only page', async () => {
      const { page } = run;
      await page.goto(`${run.portal}/.portcullis/logout`);
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByRole('heading', { name: 'Signed out' }).waitFor();

      // the app's copy of the session ended with it
      await page.goto(`${run.app}${path}`);
      await page.waitForURL(`${run.portal}/.portcullis/login?**`);
      const passkey = page.getByRole('button', { name: 'Sign in with a passkey' });
      await passkey.waitFor({ state: 'visible' });
      const before = served(run, path);

      assert.equal(await page.getByLabel('Password').inputValue(), '', 'no password typed');
      await tabTo(page, passkey);
      await page.keyboard.press('Enter');
      const echo = await landOnApp(run, path);
      assert.equal(served(run, path), before + 1);
      const claims = assertionClaims(echo.headers);
      assert.equal(claims.sub, 'alice');
      assert.ok(!claims.amr.includes('pwd'), `no password: ${claims.amr}`);
      assert.ok(claims.amr.includes('hwk') && claims.amr.includes('mfa'), `${claims.amr}`);
      assert.deepEqual(run.problems.list, []);
    });

    it('signs in by passkey autofill, where the browser offers it', async () => {
      const { page } = run;
      await page.goto(`${run.portal}/.portcullis/logout`);
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByRole('heading', { name: 'Signed out' }).waitFor();

      // the user-name field offers the passkey; the virtual authenticator picks it at once
      run.autofill.set(true);
      try {
        await page.goto(`${run.app}${path}`);
        await landOnApp(run, path);
      } finally {
        run.autofill.set(false);
      }
      assert.deepEqual(run.problems.list, []);
    });

    it('asks for the key again after max_age and proves it on the step-up page', async () => {
      const { page } = run;
      run.gw.clock.advance(6 * MINUTE);
      await page.goto(`${run.app}${path}`);
      await page.waitForURL(`${run.portal}/.portcullis/stepup?**`);
      const use = page.getByRole('button', { name: 'Use your security key or passkey' });
      await use.waitFor({ state: 'visible' });
      // keys only: no authenticator-app code, no recovery code for a phishing-resistant page
      assert.equal(await page.getByLabel('Code').count(), 0);
      await checkLabels(page);
      run.screenshots.push(await screenshot(page, 'step-up'));

      // "trust this browser", once, ticked: the key proven, the browser is trusted
      const trust = page.getByRole('checkbox', { name: 'Trust this browser for 30 days' });
      assert.equal(await trust.count(), 1);
      await trust.check();
      await tabTo(page, use);
      await page.keyboard.press('Enter');
      await landOnApp(run, path);
      assert.deepEqual(run.problems.list, []);
      const devices = await run.gw.runtime.durable.listDevices('alice');
      assert.ok(
        devices.some((d) => d.trustedUntil !== null),
        'the browser is trusted',
      );
    });

    it('fails the step-up with a visible error when the key does not verify the user, or is gone', async () => {
      const { page } = run;
      let use = page.getByRole('button', { name: 'Use your security key or passkey' });
      /** Presses the button on the step-up page: the error shows, the app is not reached. */
      const failedProof = async (expected: RegExp): Promise<void> => {
        const before = served(run, path);
        // the script clears the last error before it asks for the options
        const asked = page.waitForResponse((r) => r.url().endsWith('/.portcullis/api/webauthn/login/options'));
        await use.click();
        await asked;
        await page.getByRole('alert').filter({ hasText: expected }).waitFor({ state: 'visible' });
        assert.match(page.url(), /\/\.portcullis\/stepup\?/);
        assert.equal(await use.isVisible(), true, 'the person can try again');
        assert.equal(served(run, path), before, 'the app was not reached');
      };

      run.gw.clock.advance(6 * MINUTE);
      await page.goto(`${run.app}${path}`);
      await page.waitForURL(`${run.portal}/.portcullis/stepup?**`);
      await use.waitFor({ state: 'visible' });

      // 1. the authenticator's user verification (PIN, biometrics) fails: the browser refuses
      await run.key.setUserVerified(false);
      await failedProof(/cancelled or timed out/);
      run.screenshots.push(await screenshot(page, 'step-up-failed'));
      assert.deepEqual(run.problems.list, []);

      // 2. the same passkey on a key that cannot verify the user at all: the browser signs, the
      // gateway takes it as a second factor but not as phishing-resistant, and says why
      const [passkey] = await run.key.credentials();
      assert.ok(passkey);
      await run.key.remove();
      const plain = await addVirtualAuthenticator(run.key.cdp, { userVerification: false });
      await plain.addCredential(passkey);
      await failedProof(/must verify you/);
      // the refusal (401) is the only thing the console reports
      assert.ok(
        run.problems.list.length > 0 && run.problems.list.every((p) => /status of 401/.test(p)),
        `${run.problems.list}`,
      );
      run.problems.clear();

      // 3. the passkey is gone from the authenticator (kept aside with its signature counter)
      const [signedWith] = await plain.credentials();
      assert.ok(signedWith);
      await plain.clearCredentials();
      await failedProof(/cancelled or timed out/);
      assert.deepEqual(run.problems.list, []);

      // 4. in German, chosen with the switcher: the script's own text (from the page) and the
      // gateway's refusal (in the language of the request) are German too
      await page.getByRole('link', { name: 'Deutsch' }).click();
      await page.waitForURL(`${run.portal}/.portcullis/stepup?**`);
      assert.equal(await page.getAttribute('html', 'lang'), 'de');
      use = page.getByRole('button', { name: 'Sicherheitsschlüssel oder Passkey verwenden' });
      await use.waitFor({ state: 'visible' });
      await failedProof(/abgebrochen oder hat zu lange gedauert/);
      await plain.addCredential(signedWith);
      await failedProof(/muss Sie verifizieren/);
      run.screenshots.push(await screenshot(page, 'step-up-failed-de'));
      run.problems.clear();
    });
  });
}
