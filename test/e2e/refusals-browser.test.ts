/**
 * Refusals that help, in a real Chromium pressing the real buttons: the access-denied page of an
 * app on another host names who is signed in and offers "Sign in as someone else" (signed out, the
 * sign-in page, back to the refused page as the other user) and "Sign out"; a code page whose
 * session ended in another tab explains itself when its form is sent, and signing in again goes on.
 * Any CSP violation or console error fails the case.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { findChromium, type PageProblems, requireChromium, screenshot } from '../helpers/browser.ts';
import { type BrowserGateway, inTab, PAGES, signIn, startBrowserGateway } from '../helpers/browser-gateway.ts';

const executable = findChromium();

/**
 * Chromium reports every document answered with an error status on the console: forgets those of
 * the status the step expects (and checks there was one), keeping every other problem.
 */
function expectAnswered(problems: PageProblems, status: number): void {
  const expected = `the server responded with a status of ${status} `;
  const seen = problems.list.filter((p) => p.includes(expected));
  assert.ok(seen.length > 0, `a ${status} answer: ${problems.list}`);
  const rest = problems.list.filter((p) => !p.includes(expected));
  problems.clear();
  problems.list.push(...rest);
}
const HOST = 'rmm.acme.test';
/** no rule of the browser gateway's policy names it: refused to everyone */
const CLOSED = '/closed/report?id=7';

if (executable === null) {
  it('refusals that help (Chromium)', (t) => {
    requireChromium(t);
  });
} else {
  describe('refusals that help (Chromium)', { timeout: 240_000 }, () => {
    let run: BrowserGateway;

    before(async () => {
      run = await startBrowserGateway(executable, { users: ['first', 'second', 'third', 'ended'] });
    });
    after(() => run?.close());

    it('access denied: who is signed in, the reference; sign in as someone else comes back as the other user', () =>
      inTab(run, async ({ page, problems }) => {
        const url = `${run.origin(HOST)}${CLOSED}`;
        await page.goto(`${run.origin(HOST)}${PAGES.password}`);
        await signIn(page, 'first');
        await page.waitForURL(`${run.origin(HOST)}${PAGES.password}`);

        const refused = await page.goto(url);
        assert.equal(refused?.status(), 403);
        await page.getByRole('heading', { name: 'Access denied' }).waitFor();
        assert.equal(await page.locator('p.who').textContent(), 'Signed in as first.');
        assert.match((await page.locator('p.reference').textContent()) ?? '', /^Reference: [a-z2-9]{10}$/);
        await screenshot(page, 'refusal-access-denied');
        expectAnswered(problems, 403);

        await page.getByRole('button', { name: 'Sign in as someone else' }).click();
        await page.waitForURL(`${run.origin(HOST)}/.portcullis/login?rd=${encodeURIComponent(url)}`);
        await signIn(page, 'second');
        await page.waitForURL(url);
        assert.equal(await page.locator('p.who').textContent(), 'Signed in as second.');
        expectAnswered(problems, 403);
      }));

    it('access denied: Sign out ends the session', () =>
      inTab(run, async ({ page, problems }) => {
        await page.goto(`${run.origin(HOST)}${PAGES.password}`);
        await signIn(page, 'third');
        await page.waitForURL(`${run.origin(HOST)}${PAGES.password}`);
        await page.goto(`${run.origin(HOST)}${CLOSED}`);
        await page.getByRole('button', { name: 'Sign out', exact: true }).click();
        await page.getByRole('heading', { name: 'Signed out' }).waitFor();
        expectAnswered(problems, 403);
        await page.goto(`${run.origin(HOST)}${PAGES.password}`);
        await page.waitForURL('**/.portcullis/login?**');
      }));

    it('a code page whose session ended in another tab says so when its form is sent; signing in again goes on', () =>
      inTab(run, async ({ context, page, problems }) => {
        await page.goto(`${run.origin(HOST)}${PAGES.mfa}`);
        await signIn(page, 'ended');
        await page.waitForURL(`${run.portal}/.portcullis/enroll?**`);

        const other = await context.newPage();
        await other.goto(`${run.portal}/.portcullis/logout`);
        await other.getByRole('button', { name: 'Sign out' }).click();
        await other.getByRole('heading', { name: 'Signed out' }).waitFor();
        await other.close();

        await page.getByLabel('Code from the app').fill('123456');
        await page.getByRole('button', { name: 'Confirm' }).click();
        await page.getByRole('heading', { name: 'Sign in' }).waitFor();
        assert.equal(
          await page.getByRole('status').textContent(),
          'Your session ended (signed out, or too long without activity). Sign in again to continue.',
        );
        await screenshot(page, 'refusal-session-ended');
        expectAnswered(problems, 401);
        await page.getByLabel('User name').fill('ended');
        await page.getByLabel('Password').fill('correct horse battery staple');
        await page.getByRole('button', { name: 'Sign in', exact: true }).click();
        await page.waitForURL(
          `${run.portal}/.portcullis/enroll?rd=${encodeURIComponent(`${run.origin(HOST)}${PAGES.mfa}`)}`,
        );
      }));
  });
}
