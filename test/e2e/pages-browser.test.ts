/**
 * Every portal page in a real Chromium, on a phone (390 x 844) and on a desktop (1280 x 800):
 * nothing wider than the screen or cut off, no WCAG 2.1 AA violation that axe-core finds, every
 * control reached with Tab and its focus visible, errors announced (role=alert) and tied to the
 * field they are about (aria-invalid, aria-describedby, the focus on it). Each page is reached
 * in a real state set up through the pages and the JSON API (signed in, an authenticator app
 * enrolled, a step-up due, a refusal), and photographed as test-results/screenshots/<page>-<width>.png.
 * Pages named `-de` are in German: chosen with the language switcher at the foot of a portal page,
 * or, on an app's refused page, by the browser's language.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { messagesFor } from '../../src/web/i18n/messages.ts';
import {
  addVirtualAuthenticator,
  controlPasskeyAutofill,
  enableVirtualAuthenticators,
  findChromium,
  freePort,
  requireChromium,
  screenshot,
} from '../helpers/browser.ts';
import {
  type BrowserGateway,
  inTab,
  PAGES,
  signIn,
  startBrowserGateway,
  type Tab,
} from '../helpers/browser-gateway.ts';
import { enrolTotp, nextTotpCode, PASSWORD, startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { announcedError, axeViolations, keyboardWalk, overflow } from '../helpers/page-checks.ts';

const MINUTE = 60_000;
/** German, as the pages write it (the headings and labels of the `-de` visits) */
const DE = messagesFor('de');
const executable = findChromium();

/** The two screens: a phone held upright and a desktop. */
const SCREENS = [
  { width: 390, height: 844 },
  { width: 1280, height: 800 },
] as const;

/** What a visit has at hand: the gateways, the visiting user and their authenticator's secret. */
interface Ctx {
  run: BrowserGateway;
  /** a gateway without users: the first-administrator set-up */
  fresh: TestGateway;
  freshOrigin: string;
  user: string;
  secret: string;
  recoveryCodes: string[];
}

interface Visit {
  /** the page, as its screenshot is named */
  page: string;
  /** the user's authenticator app is enrolled first */
  totp?: boolean;
  /** the heading the page shows */
  heading: string;
  /** the labels of the fields the page's error is about: the error is announced and tied to them */
  invalid?: readonly string[];
  /** the field in error that has the focus (the first of `invalid` unless told) */
  focus?: string;
  /** the page's HTTP status when it is not 200 (Chromium reports it in the console) */
  status?: number;
  reach(tab: Tab, c: Ctx): Promise<void>;
}

const app = (c: Ctx, path: string) => `${c.run.origin('localhost')}${path}`;

/** Signs in on the way to the app's second-factor page: the step-up page of a user with a factor. */
async function toSecondFactor({ page }: Tab, c: Ctx): Promise<void> {
  await page.goto(app(c, PAGES.mfa));
  await signIn(page, c.user);
  await page.waitForURL('**/.portcullis/stepup?**');
}

/** Signs in on the way to the app's second-factor page, without a factor yet: the enrolment page. */
async function toEnrol({ page }: Tab, c: Ctx): Promise<void> {
  await page.goto(app(c, PAGES.mfa));
  await signIn(page, c.user);
  await page.waitForURL('**/.portcullis/enroll?**');
}

/** Signs in with the password alone (the app's password page). */
async function signedIn({ page }: Tab, c: Ctx): Promise<void> {
  await page.goto(app(c, PAGES.password));
  await signIn(page, c.user);
  await page.waitForURL(app(c, PAGES.password));
}

/**
 * Registers a passkey on the enrolment page, with a virtual authenticator in the tab (passkey
 * autofill off, so that no page signs in by itself): the recovery codes of the key are shown.
 */
async function registerKey(tab: Tab, c: Ctx): Promise<void> {
  await controlPasskeyAutofill(tab.page);
  await addVirtualAuthenticator(await enableVirtualAuthenticators(tab.context, tab.page));
  await toEnrol(tab, c);
  await tab.page.getByRole('button', { name: 'Register a security key or passkey' }).click();
  await tab.page.getByRole('heading', { name: 'Security key added' }).waitFor();
}

/** The step-up page shows one way at a time: the link to the recovery code's. */
async function openRecovery({ page }: Tab): Promise<void> {
  await page.getByRole('link', { name: 'Recovery code' }).click();
  await page.getByLabel('Recovery code', { exact: true }).waitFor();
}

/** The language switcher at the foot of the page, used as a person would: the page comes back in German. */
async function inGerman({ page }: Tab): Promise<void> {
  await page.getByRole('navigation', { name: 'Language' }).getByRole('link', { name: 'Deutsch' }).click();
  await page.locator('html[lang="de"]').waitFor();
}

const VISITS: readonly Visit[] = [
  { page: 'sign-in', heading: 'Sign in', reach: ({ page }, c) => page.goto(app(c, PAGES.mfa)).then(() => {}) },
  {
    page: 'sign-in-error',
    heading: 'Sign in',
    invalid: ['User name', 'Password'],
    focus: 'Password',
    status: 401,
    async reach({ page }, c) {
      await page.goto(app(c, PAGES.mfa));
      await page.getByLabel('User name').fill(c.user);
      await page.getByLabel('Password').fill(`${PASSWORD}!`);
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await page.getByRole('alert').filter({ hasText: /./ }).waitFor();
    },
  },
  { page: 'second-factor', totp: true, heading: 'Confirm it is you', reach: toSecondFactor },
  {
    page: 'second-factor-error',
    totp: true,
    heading: 'Confirm it is you',
    invalid: ['Code'],
    status: 401,
    async reach(tab, c) {
      await toSecondFactor(tab, c);
      await tab.page.getByLabel('Code', { exact: true }).fill('12345');
      await tab.page.getByRole('button', { name: 'Verify' }).click();
      await tab.page.getByRole('alert').filter({ hasText: /./ }).waitFor();
    },
  },
  {
    page: 'recovery-code',
    totp: true,
    heading: 'Confirm it is you',
    async reach(tab, c) {
      await toSecondFactor(tab, c);
      await openRecovery(tab);
    },
  },
  {
    page: 'recovery-code-error',
    totp: true,
    heading: 'Confirm it is you',
    invalid: ['Recovery code'],
    status: 401,
    async reach(tab, c) {
      await toSecondFactor(tab, c);
      await openRecovery(tab);
      await tab.page.getByLabel('Recovery code', { exact: true }).fill('not-a-code');
      await tab.page.getByRole('button', { name: 'Use recovery code' }).click();
      await tab.page.getByRole('alert').filter({ hasText: /./ }).waitFor();
    },
  },
  {
    page: 'recovery-accepted',
    totp: true,
    heading: 'Signed in',
    async reach(tab, c) {
      await toSecondFactor(tab, c);
      await openRecovery(tab);
      await tab.page.getByLabel('Recovery code', { exact: true }).fill(c.recoveryCodes[0] ?? '');
      await tab.page.getByRole('button', { name: 'Use recovery code' }).click();
    },
  },
  {
    page: 'step-up',
    totp: true,
    heading: 'Confirm it is you',
    async reach({ page }, c) {
      await page.goto(app(c, PAGES.fresh));
      await signIn(page, c.user);
      await page.getByLabel('Code', { exact: true }).fill(await nextTotpCode(c.run.gw, c.secret));
      await page.getByRole('button', { name: 'Verify' }).click();
      await page.waitForURL(app(c, PAGES.fresh));
      c.run.gw.clock.advance(6 * MINUTE);
      await page.goto(app(c, PAGES.fresh));
      await page.waitForURL('**/.portcullis/stepup?**');
    },
  },
  {
    page: 'no-factor',
    heading: 'A second factor is needed',
    async reach(tab, c) {
      await signedIn(tab, c);
      await tab.page.goto(`${c.run.portal}/.portcullis/stepup?rd=${encodeURIComponent(app(c, PAGES.mfa))}`);
    },
  },
  { page: 'enrol', heading: 'Set up a second factor', reach: toEnrol },
  {
    page: 'enrol-error',
    heading: 'Set up a second factor',
    invalid: ['Code from the app'],
    status: 401,
    async reach(tab, c) {
      await toEnrol(tab, c);
      await tab.page.getByLabel('Code from the app').fill('12345');
      await tab.page.getByRole('button', { name: 'Confirm' }).click();
      await tab.page.getByRole('alert').filter({ hasText: /./ }).waitFor();
    },
  },
  { page: 'key-added', heading: 'Set up a second factor', reach: registerKey },
  {
    page: 'second-factor-key',
    heading: 'Confirm it is you',
    async reach(tab, c) {
      await registerKey(tab, c);
      await tab.page.goto(`${c.run.portal}/.portcullis/logout`);
      await tab.page.getByRole('button', { name: 'Sign out' }).click();
      await tab.page.getByRole('heading', { name: 'Signed out' }).waitFor();
      await toSecondFactor(tab, c);
      await tab.page.getByRole('button', { name: 'Use your security key or passkey' }).waitFor();
    },
  },
  {
    page: 'recovery-codes',
    heading: 'Authenticator added',
    async reach(tab, c) {
      await toEnrol(tab, c);
      const secret = ((await tab.page.locator('code.secret').textContent()) ?? '').replace(/\s/g, '');
      await tab.page.getByLabel('Code from the app').fill(await nextTotpCode(c.run.gw, secret));
      await tab.page.getByRole('button', { name: 'Confirm' }).click();
    },
  },
  {
    page: 'account',
    totp: true,
    heading: 'Account',
    async reach({ page }, c) {
      await page.goto(`${c.run.portal}/.portcullis/`);
      await signIn(page, c.user);
    },
  },
  {
    page: 'hand-off',
    heading: 'Signing you in…',
    async reach({ page }, c) {
      // without its script, as without JavaScript: the page stays until Continue is pressed
      await page.route('**/.portcullis/static/autosubmit.js', (route) =>
        route.fulfill({ status: 200, contentType: 'text/javascript', body: '' }),
      );
      await page.goto(`${c.run.origin('rmm.acme.test')}${PAGES.password}`);
      await signIn(page, c.user);
    },
  },
  {
    page: 'sign-out',
    heading: 'Sign out',
    async reach(tab, c) {
      await signedIn(tab, c);
      await tab.page.goto(`${c.run.portal}/.portcullis/logout`);
    },
  },
  {
    page: 'signed-out',
    heading: 'Signed out',
    async reach(tab, c) {
      await signedIn(tab, c);
      await tab.page.goto(`${c.run.portal}/.portcullis/logout`);
      await tab.page.getByRole('button', { name: 'Sign out' }).click();
    },
  },
  {
    page: 'sign-in-de',
    heading: 'Anmelden',
    async reach(tab, c) {
      await tab.page.goto(app(c, PAGES.mfa));
      await inGerman(tab);
    },
  },
  {
    page: 'sign-in-error-de',
    heading: 'Anmelden',
    invalid: ['Benutzername', 'Passwort'],
    focus: 'Passwort',
    status: 401,
    async reach(tab, c) {
      await tab.page.goto(app(c, PAGES.mfa));
      await inGerman(tab);
      await tab.page.getByLabel('Benutzername').fill(c.user);
      await tab.page.getByLabel('Passwort').fill(`${PASSWORD}!`);
      await tab.page.getByRole('button', { name: 'Anmelden', exact: true }).click();
      await tab.page.getByRole('alert').filter({ hasText: /./ }).waitFor();
    },
  },
  {
    page: 'access-denied',
    heading: 'Access denied',
    status: 403,
    reach: ({ page }, c) => page.goto(app(c, '/denied/report')).then(() => {}),
  },
  {
    page: 'not-found',
    heading: 'Not found',
    status: 404,
    reach: ({ page }, c) => page.goto(`${c.run.origin('nowhere.test')}/`).then(() => {}),
  },
  {
    page: 'bad-gateway',
    heading: 'The application is not responding',
    status: 502,
    reach: ({ page }, c) => page.goto(`${c.run.origin('down.test')}/`).then(() => {}),
  },
  {
    page: 'access-denied-de',
    heading: 'Zugriff verweigert',
    status: 403,
    async reach({ page }, c) {
      // an app's page cannot read the switcher's cookie: the browser's language
      await page.setExtraHTTPHeaders({ 'accept-language': 'de-DE,de;q=0.9' });
      await page.goto(app(c, '/denied/report'));
    },
  },
  {
    page: 'signed-out-de',
    heading: 'Abgemeldet',
    async reach(tab, c) {
      await signedIn(tab, c);
      await tab.page.goto(`${c.run.portal}/.portcullis/logout`);
      await inGerman(tab);
      await tab.page.getByRole('button', { name: 'Abmelden' }).click();
    },
  },
  {
    page: 'second-factor-de',
    totp: true,
    heading: DE('factors.stepup.heading'),
    async reach(tab, c) {
      await toSecondFactor(tab, c);
      await inGerman(tab);
    },
  },
  {
    page: 'no-factor-de',
    heading: DE('factors.none.heading'),
    async reach(tab, c) {
      await signedIn(tab, c);
      await tab.page.goto(`${c.run.portal}/.portcullis/stepup?rd=${encodeURIComponent(app(c, PAGES.mfa))}`);
      await inGerman(tab);
    },
  },
  {
    page: 'enrol-de',
    heading: DE('factors.enroll.title'),
    async reach(tab, c) {
      await toEnrol(tab, c);
      await inGerman(tab);
    },
  },
  {
    page: 'recovery-codes-de',
    heading: DE('factors.codes.added'),
    async reach(tab, c) {
      await toEnrol(tab, c);
      await inGerman(tab);
      const secret = ((await tab.page.locator('code.secret').textContent()) ?? '').replace(/\s/g, '');
      await tab.page.getByLabel(DE('factors.enroll.code')).fill(await nextTotpCode(c.run.gw, secret));
      await tab.page.getByRole('button', { name: DE('factors.enroll.confirm') }).click();
    },
  },
  {
    page: 'account-de',
    totp: true,
    heading: DE('account.title'),
    async reach(tab, c) {
      await tab.page.goto(`${c.run.portal}/.portcullis/`);
      await signIn(tab.page, c.user);
      await inGerman(tab);
    },
  },
  {
    page: 'not-found-de',
    heading: DE('errors.title.notFound'),
    status: 404,
    async reach({ page }, c) {
      await page.setExtraHTTPHeaders({ 'accept-language': 'de-DE,de;q=0.9' });
      await page.goto(`${c.run.origin('nowhere.test')}/`);
    },
  },
  {
    page: 'bad-gateway-de',
    heading: DE('errors.title.badGateway'),
    status: 502,
    async reach({ page }, c) {
      await page.setExtraHTTPHeaders({ 'accept-language': 'de-DE,de;q=0.9' });
      await page.goto(`${c.run.origin('down.test')}/`);
    },
  },
  {
    page: 'set-up',
    heading: 'Create the first administrator',
    reach: ({ page }, c) =>
      page.goto(`${c.freshOrigin}/.portcullis/setup#${c.fresh.runtime.setup.issue()}`).then(() => {}),
  },
  {
    page: 'set-up-error',
    heading: 'Create the first administrator',
    invalid: ['Password again'],
    status: 400,
    async reach({ page }, c) {
      await page.goto(`${c.freshOrigin}/.portcullis/setup#${c.fresh.runtime.setup.issue()}`);
      await page.getByLabel('User name').fill('admin');
      await page.getByLabel('Password (at least 12 characters)').fill(PASSWORD);
      await page.getByLabel('Password again').fill(`${PASSWORD}.`);
      await page.getByRole('button', { name: 'Create administrator' }).click();
      await page.getByRole('alert').filter({ hasText: /./ }).waitFor();
    },
  },
  {
    page: 'set-up-de',
    heading: 'Ersten Administrator anlegen',
    async reach(tab, c) {
      await tab.page.goto(`${c.freshOrigin}/.portcullis/setup#${c.fresh.runtime.setup.issue()}`);
      await inGerman(tab);
    },
  },
  {
    page: 'set-up-done',
    heading: 'Set-up complete',
    status: 410,
    async reach({ page }, c) {
      c.fresh.runtime.setup.revoke();
      await page.goto(`${c.freshOrigin}/.portcullis/setup`);
    },
  },
];

const userOf = (visit: Visit, width: number) => `${visit.page}-${width}`;

if (executable === null) {
  it('every page on a phone and a desktop (Chromium)', (t) => {
    requireChromium(t);
  });
} else {
  describe('every page on a phone and a desktop (Chromium)', { timeout: 600_000 }, () => {
    let run: BrowserGateway;
    let fresh: TestGateway;
    let freshOrigin: string;
    const enrolled = new Map<string, { secret: string; recoveryCodes: string[] }>();

    before(async () => {
      const users = VISITS.flatMap((v) => SCREENS.map((s) => userOf(v, s.width)));
      const closed = await freePort();
      run = await startBrowserGateway(executable, {
        users,
        apps: [
          { name: 'closed', host: 'closed.test', upstream: 'UPSTREAM' },
          { name: 'down', host: 'down.test', upstream: `http://127.0.0.1:${closed}` },
        ],
        policies: {
          '01-refusals.yaml': {
            rules: [
              { name: 'denied', hosts: ['localhost'], paths: ['/denied/**'], action: 'deny' },
              { name: 'down', hosts: ['down.test'], action: 'allow' },
            ],
          },
        },
        resolve: ['nowhere.test'],
      });
      for (const v of VISITS.filter((v) => v.totp))
        for (const s of SCREENS)
          enrolled.set(userOf(v, s.width), await enrolTotp(run.gw, userOf(v, s.width), 'localhost'));
      const port = await freePort();
      freshOrigin = `http://localhost:${port}`;
      fresh = await startTestGateway({
        users: {},
        gateway: { server: { listen: `127.0.0.1:${port}`, public_url: freshOrigin } },
      });
    });
    after(async () => {
      await run?.close();
      await fresh?.close();
    });

    for (const visit of VISITS) {
      for (const screen of SCREENS) {
        it(`${visit.page} at ${screen.width} px`, () =>
          inTab(
            run,
            async (tab) => {
              const user = userOf(visit, screen.width);
              const c: Ctx = { run, fresh, freshOrigin, user, secret: '', recoveryCodes: [], ...enrolled.get(user) };
              await visit.reach(tab, c);
              const { page } = tab;
              await page.getByRole('heading', { level: 1, name: visit.heading }).waitFor();
              await screenshot(page, `${visit.page}-${screen.width}`);
              // the browser's own console line about the page's status is no fault of the page
              const expected = `status of ${visit.status}`;
              if (visit.status !== undefined)
                tab.problems.list.splice(0, Infinity, ...tab.problems.list.filter((p) => !p.includes(expected)));

              assert.deepEqual(await overflow(page), [], 'nothing wider than the screen, nothing cut off');
              assert.deepEqual(await axeViolations(page), [], 'no WCAG 2.1 AA violation');
              // the pages follow the system's dark mode, as phones often have it: contrast holds there too
              await page.emulateMedia({ colorScheme: 'dark' });
              await screenshot(page, `${visit.page}-${screen.width}-dark`);
              assert.deepEqual(await axeViolations(page), [], 'no WCAG 2.1 AA violation in dark mode');
              await page.emulateMedia({ colorScheme: 'light' });

              if (visit.invalid !== undefined) {
                const announced = await announcedError(page);
                assert.ok(announced.alert, 'the error is in an alert');
                assert.deepEqual(
                  announced.invalid,
                  visit.invalid.map((label) => ({ label, describedByAlert: true })),
                );
                assert.equal(announced.focused, visit.focus ?? visit.invalid[0], 'the field in error has the focus');
              }

              const walk = await keyboardWalk(page);
              assert.deepEqual(walk.unreached, [], 'every control is reached with Tab');
              assert.deepEqual(walk.noVisibleFocus, [], 'the focus is visible on every control');
              assert.deepEqual(walk.reordered, [], 'no positive tabindex');
            },
            screen,
          ));
      }
    }
  });
}
