/**
 * Push approval in a real Chromium: the user pairs a phone from the account page (the phone, a
 * phone-sized context, opens the pairing link, turns notifications on inside the button press,
 * makes its key and enrols; `pushManager.subscribe` is stubbed to a subscription of the push
 * service that runs in the test, since a headless browser has no push service of its own); then
 * signs in to an app that needs a second factor on a desktop browser, sends a push from the
 * step-up page and sees the number. The push service decrypts what the gateway sent; the test
 * delivers it into the phone's real service worker (DevTools protocol), which shows the
 * notification; the approval page shows where the sign-in comes from and the numbers; the right
 * one approves, and the desktop goes on to the app. Screenshots of the number and the approval
 * page; no console error, no CSP violation.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../src/clock.ts';
import { findChromium, requireChromium, screenshot, watchProblems } from '../helpers/browser.ts';
import {
  type BrowserGateway,
  inTab,
  landOn,
  PAGES,
  STEP,
  signIn,
  startBrowserGateway,
} from '../helpers/browser-gateway.ts';
import { TestPushService } from '../push/push-service.ts';

const executable = findChromium();
const PHONE = { width: 360, height: 740 };

if (executable === null) {
  it('push approval with number matching (Chromium)', (t) => {
    requireChromium(t);
  });
} else {
  describe('push approval with number matching (Chromium)', { timeout: 120_000 }, () => {
    let run: BrowserGateway;
    let service: TestPushService;
    before(async () => {
      service = await TestPushService.start();
      run = await startBrowserGateway(executable, {
        users: ['pia'],
        // the phone signs its answers with the time of its own clock: the gateway's is the same
        clock: new ManualClock(Date.now()),
        gateway: { mfa: { push: { subject: 'mailto:security@msp.example', endpoint_hosts: [service.origin] } } },
      });
    });
    after(async () => {
      await run?.close();
      await service?.close();
    });

    it('pair a phone, push from the step-up page, approve with the number on the phone, land on the app', async () => {
      // the pairing link, from the account page
      let pairLink = '';
      await inTab(
        run,
        async ({ page }) => {
          await page.goto(`${run.portal}/.portcullis/`);
          await signIn(page, 'pia');
          await page.getByRole('button', { name: 'Set up a phone for push approval' }).click();
          await page.getByRole('heading', { name: 'Set up your phone' }).waitFor();
          pairLink = (await page.locator('a.pair-link').getAttribute('href')) ?? '';
          assert.match(pairLink, /\/\.portcullis\/push\/app#pair=[A-Za-z0-9_-]{43}$/);
          assert.ok(await page.locator('figure.qr svg').count(), 'a QR code');
        },
        PHONE,
      );

      // the phone: notifications allowed, its push subscription from the test's push service
      const subscription = service.subscribe();
      const phone = await run.browser.newContext({ viewport: PHONE, isMobile: true, hasTouch: true });
      try {
        phone.setDefaultTimeout(STEP);
        await phone.grantPermissions(['notifications'], { origin: run.portal });
        // a string, not a function: the page must get it as written (no helpers of the test's compiler)
        await phone.addInitScript(`{
          const sub = ${JSON.stringify(subscription)};
          const stub = { ...sub, toJSON: () => sub, options: {} };
          PushManager.prototype.subscribe = async () => stub;
          PushManager.prototype.getSubscription = async () => stub;
        }`);
        const app = await phone.newPage();
        const problems = await watchProblems(app);
        const cdp = await phone.newCDPSession(app);
        const registrations: { registrationId: string; scopeURL: string }[] = [];
        cdp.on('ServiceWorker.workerRegistrationUpdated', (e) => registrations.push(...e.registrations));
        await cdp.send('ServiceWorker.enable');
        await app.goto(pairLink);
        assert.equal(new URL(app.url()).hash, '', 'the code left the address bar');
        await app.getByRole('button', { name: 'Turn on notifications' }).click();
        await app.getByText('This phone is set up.').waitFor();
        const [device] = await run.gw.runtime.durable.listFactors('pia');
        assert.equal(device?.kind, 'push');

        // the desktop: the app needs a second factor; push is the way pia has
        const target = `${run.origin('rmm.acme.test')}${PAGES.mfa}`;
        await inTab(
          run,
          async ({ page }) => {
            await page.goto(target);
            await signIn(page, 'pia');
            await page.waitForURL('**/.portcullis/stepup?**');
            await page.getByRole('button', { name: 'Send a request' }).click();
            await page.getByRole('heading', { name: 'Pick this number on your phone' }).waitFor();
            const number = Number(await page.locator('.push-number strong').textContent());
            assert.ok(number >= 10 && number <= 99);
            await screenshot(page, 'push-number-phone');

            // the push service got it, encrypted: into the phone's service worker it goes
            const [message] = service.received;
            assert.ok(message, 'the push service received the request');
            const payload = JSON.parse(message.payload) as { rid: string; app: string };
            const registration = registrations.find((r) => r.scopeURL.endsWith('/.portcullis/'));
            assert.ok(registration, 'the service worker is registered for /.portcullis/');
            await cdp.send('ServiceWorker.deliverPushMessage', {
              origin: run.portal,
              registrationId: registration.registrationId,
              data: message.payload,
            });
            const shown = await app.waitForFunction(`(async () => {
            const notes = await (await navigator.serviceWorker.ready).getNotifications();
            return notes.length > 0 ? notes.map((n) => ({ title: n.title, body: n.body, actions: n.actions.length })) : null;
          })()`);
            const notes = (await shown.jsonValue()) as { title: string; body: string; actions: number }[];
            assert.equal(notes[0]?.title, payload.app);
            assert.equal(notes[0]?.body, 'Someone is signing in as you. Open to check and answer.');
            assert.equal(notes[0]?.actions, 0, 'no Approve button on the notification');

            // what a tap on the notification opens: the app, in a new window
            const approval = await phone.newPage();
            const approvalProblems = await watchProblems(approval);
            // the phone signs with the time of its own clock, which went on while the test ran: the
            // gateway's (manual) clock is brought to the same time before the phone's calls
            const sync = () => run.gw.clock.set(Math.max(run.gw.clock.now(), Date.now()));
            sync();
            await approval.goto(`${run.portal}/.portcullis/push/app#rid=${payload.rid}`);
            await approval.getByRole('heading', { name: 'Is this you signing in?' }).waitFor();
            await approval.getByText('rmm.acme.test').waitFor();
            assert.deepEqual(
              await approval
                .locator('#choices button')
                .allTextContents()
                .then((l) => l.length),
              3,
            );
            await screenshot(approval, 'push-approval-phone');
            sync();
            await approval.getByRole('button', { name: String(number), exact: true }).click();
            await approval.getByText('Approved.').waitFor();
            assert.deepEqual(approvalProblems.list, [], 'the approval page: no console error, no CSP violation');

            await page.getByRole('button', { name: 'I approved it, continue' }).click();
            await landOn(page, target, 'pia');
          },
          PHONE,
        );
        assert.deepEqual(problems.list, [], 'the phone: no console error, no CSP violation');
      } finally {
        await phone.close();
      }
    });
  });
}
