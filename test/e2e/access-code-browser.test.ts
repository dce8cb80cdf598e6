/**
 * A user who lost their phone, in a real Chromium the size of a phone, going to an app on its
 * own host: the administrator runs `portcullis access-code`; the user signs in with the
 * password, follows "I have a code from my administrator" on the step-up page, types the code,
 * enrols a new authenticator app and lands on the app, which needs a second factor. The pages fit
 * the screen, pass axe (WCAG 2.1 AA) and log no console error or CSP violation.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runAccessCode } from '../../src/cli/access-code.ts';
import { generatedToken } from '../admin/helpers.ts';
import { captureIo } from '../cli/fixtures.ts';
import { findChromium, requireChromium, screenshot } from '../helpers/browser.ts';
import { type BrowserGateway, inTab, landOn, PAGES, signIn, startBrowserGateway } from '../helpers/browser-gateway.ts';
import { enrolTotp, nextTotpCode } from '../helpers/gateway.ts';
import { axeViolations, overflow } from '../helpers/page-checks.ts';

const executable = findChromium();
const PHONE = { width: 360, height: 740 };

if (executable === null) {
  it('recovering a lost device with an access code (Chromium)', (t) => {
    requireChromium(t);
  });
} else {
  describe('recovering a lost device with an access code (Chromium)', { timeout: 120_000 }, () => {
    let run: BrowserGateway;
    before(async () => {
      run = await startBrowserGateway(executable, { users: ['tess'] });
    });
    after(() => run?.close());

    it('password, the code from the administrator, a new authenticator, the app on its own host', async () => {
      await enrolTotp(run.gw, 'tess', run.portalHost); // the phone she then lost
      const io = captureIo();
      const admin = (run.gw.runtime.admin.server.address() as { port: number }).port;
      const status = await runAccessCode(['tess', '--config', join(run.gw.dir, 'config/gateway.yaml')], {
        ...io,
        env: { PORTCULLIS_ADMIN_URL: `http://127.0.0.1:${admin}`, PORTCULLIS_ADMIN_TOKEN: generatedToken(run.gw) },
      });
      assert.equal(status, 0, io.stderr.text);
      const code = /^ {4}(\S+)$/m.exec(io.stdout.text)?.[1];
      assert.ok(code);
      // the sessions ended at the moment of issue; hers come later (the test clock stands still)
      run.gw.clock.advance(1000);

      const app = `${run.origin('rmm.acme.test')}${PAGES.mfa}`;
      await inTab(
        run,
        async ({ page, problems }) => {
          await page.goto(app);
          await signIn(page, 'tess');
          await page.waitForURL('**/.portcullis/stepup?**');
          await page.getByRole('link', { name: 'I have a code from my administrator' }).click();
          await page.getByRole('heading', { name: 'Use a code from your administrator' }).waitFor();
          assert.deepEqual(await overflow(page), [], 'fits a phone screen');
          assert.deepEqual(await axeViolations(page), []);
          await screenshot(page, 'access-code-phone');

          await page.getByLabel('Code from your administrator').fill('aaaa-bbbb-cccc');
          await page.getByRole('button', { name: 'Continue' }).click();
          await page.getByText('That code is not valid.').waitFor();
          // the refusal is a 401 page, which Chromium logs; nothing else may be
          assert.deepEqual(
            problems.list.filter((p) => !p.includes('status of 401')),
            [],
          );
          problems.clear();
          await page.getByLabel('Code from your administrator').fill(code.toUpperCase());
          await page.getByRole('button', { name: 'Continue' }).click();

          await page.waitForURL('**/.portcullis/enroll?**');
          const secret = ((await page.locator('code.secret').textContent()) ?? '').replace(/\s+/g, '');
          assert.match(secret, /^[A-Z2-7]{16,}$/);
          await page.getByLabel('Code from the app').fill(await nextTotpCode(run.gw, secret));
          await page.getByRole('button', { name: 'Confirm' }).click();
          await page.getByRole('link', { name: /continue/i }).click();
          await landOn(page, app, 'tess');
        },
        PHONE,
      );
      assert.equal((await run.gw.runtime.durable.listFactors('tess')).length, 2);
      const used = await run.gw.runtime.durable.queryAudit({ event: 'access_code.used' });
      assert.equal(used[0]?.user, 'tess');
    });
  });
}
