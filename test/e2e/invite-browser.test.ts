/**
 * The invitation flow end to end in a real Chromium: `portcullis user invite` prints the link;
 * the person opens it (the page's script sends the token from the fragment and drops it from the
 * address bar), sets a password watching the strength meter, is led to the enrolment with a word
 * on why, enrols an authenticator app by the key written on the page, sees the recovery codes
 * and reaches an app that needs a second factor. No console error, no CSP violation on the way.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runUserInvite } from '../../src/cli/invite.ts';
import { captureIo } from '../cli/fixtures.ts';
import { findChromium, requireChromium, screenshot } from '../helpers/browser.ts';
import { type BrowserGateway, inTab, landOn, PAGES, startBrowserGateway } from '../helpers/browser-gateway.ts';
import { nextTotpCode } from '../helpers/gateway.ts';

const executable = findChromium();
const PASSPHRASE = 'lantern orchard velvet compass';

if (executable === null) {
  it('the invitation flow (Chromium)', (t) => {
    requireChromium(t);
  });
} else {
  describe('the invitation flow (Chromium)', { timeout: 120_000 }, () => {
    let run: BrowserGateway;
    before(async () => {
      run = await startBrowserGateway(executable, { users: ['someone'] });
    });
    after(() => run?.close());

    it('opens the link, sets a password, enrols an authenticator app, sees the recovery codes, reaches the app', async () => {
      const io = captureIo();
      const code = await runUserInvite(
        ['newbie', '--name', 'Nora Newbie', '--groups', 'staff', '--config', join(run.gw.dir, 'config/gateway.yaml')],
        io,
      );
      assert.equal(code, 0, io.stderr.text);
      const link = io.stdout.text.trim();
      assert.ok(link.startsWith(`${run.portal}/.portcullis/invite#`), link);

      await inTab(run, async ({ page, posts }) => {
        await page.goto(link);
        await page.getByRole('heading', { name: 'Set your password' }).waitFor();
        assert.equal(new URL(page.url()).hash, '', 'the token is gone from the address bar');
        assert.ok(posts.includes(`${run.portal} /.portcullis/invite`), 'the script sent the token');
        await page.getByText('Welcome, Nora Newbie.').waitFor();

        const password = page.getByLabel('New password', { exact: true });
        await password.fill('newbie123');
        await page.getByText('Too short: 3 more characters').waitFor();
        await password.fill('i am newbie here');
        await page.getByText('Contains your user name').waitFor();
        await password.fill(PASSPHRASE);
        await page.getByText('Strong', { exact: true }).waitFor();
        assert.equal(await page.locator('#strength').evaluate((m) => (m as unknown as { value: number }).value), 4);
        await page.getByLabel('New password again').fill(PASSPHRASE);
        await screenshot(page, 'invite-password');
        await page.getByRole('button', { name: 'Set password and continue' }).click();

        await page.waitForURL(`${run.portal}/.portcullis/enroll?**`);
        await page.getByText('A second factor keeps your account safe').waitFor();
        const secret = ((await page.locator('code.secret').textContent()) ?? '').replace(/\s+/g, '');
        assert.match(secret, /^[A-Z2-7]{16,}$/);
        await page.getByLabel('Code from the app').fill(await nextTotpCode(run.gw, secret));
        await page.getByRole('button', { name: 'Confirm' }).click();

        await page.getByRole('heading', { name: 'Authenticator added' }).waitFor();
        assert.equal(await page.locator('ul.codes li').count(), 10, 'ten recovery codes');

        const app = `${run.origin('localhost')}${PAGES.mfa}`;
        await page.goto(app);
        await landOn(page, app, 'newbie');
      });
      const used = await run.gw.runtime.durable.queryAudit({ event: 'invite.used' });
      assert.equal(used[0]?.user, 'newbie');
    });

    it('in the browser’s language: the pages and the meter’s words, one character and several', async () => {
      const io = captureIo();
      const code = await runUserInvite(['nouveau', '--config', join(run.gw.dir, 'config/gateway.yaml')], io);
      assert.equal(code, 0, io.stderr.text);
      await inTab(run, async ({ page }) => {
        await page.setExtraHTTPHeaders({ 'accept-language': 'fr-FR,fr;q=0.9' });
        await page.goto(io.stdout.text.trim());
        await page.getByRole('heading', { name: 'Définir votre mot de passe' }).waitFor();
        assert.equal(await page.locator('html').getAttribute('lang'), 'fr');
        const password = page.getByLabel('Nouveau mot de passe', { exact: true });
        await password.fill('abcdefghijk');
        await page.getByText(/^Trop court\s:\sencore 1 caractère$/).waitFor();
        await password.fill('abcdefghi');
        await page.getByText(/^Trop court\s:\sencore 3 caractères$/).waitFor();
        await password.fill(PASSPHRASE);
        await page.getByText('Robuste', { exact: true }).waitFor();
        await screenshot(page, 'invite-password-fr');
      });
    });
  });
}
