/**
 * The access-code page of the sign-in flow, without JavaScript: linked from the step-up page,
 * needs the password first, refuses a wrong or malformed code on the page (saying which), and
 * on the right code goes to enrolment with rd kept; the enrolment page then offers a new factor
 * although the user holds one. In every language the link and page are translated.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { enrolTotp, startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { cookieFrom } from '../helpers/http.ts';
import { issueCode, portalForm } from './helpers.ts';

const RD = 'http://app.test/admin/';

async function gateway(t: { after(fn: () => Promise<void>): void }): Promise<TestGateway> {
  const gw = await startTestGateway();
  t.after(() => gw.close());
  await enrolTotp(gw, 'alice');
  return gw;
}

const page = (gw: TestGateway, target: string, cookie: string, lang = 'en') =>
  gw.send({ host: 'portal.test', target, headers: { cookie, accept: 'text/html', 'accept-language': lang } });

describe('the access-code page', () => {
  it('is linked from the step-up page, with rd', async (t) => {
    const gw = await gateway(t);
    const cookie = await gw.login('alice');
    const stepUp = await page(gw, `/.portcullis/stepup?rd=${encodeURIComponent(RD)}`, cookie);
    assert.equal(stepUp.status, 200);
    assert.ok(
      stepUp.body.includes(
        `<a href="/.portcullis/access-code?rd=${encodeURIComponent(RD)}">I have a code from my administrator</a>`,
      ),
    );
    const german = await page(gw, '/.portcullis/stepup', cookie, 'de');
    assert.ok(german.body.includes('Ich habe einen Code von meinem Administrator'));
  });

  it('needs the password first', async (t) => {
    const gw = await gateway(t);
    const answer = await page(gw, `/.portcullis/access-code?rd=${encodeURIComponent(RD)}`, '');
    assert.equal(answer.status, 302);
    assert.equal(answer.headers.location, `/.portcullis/login?rd=${encodeURIComponent(RD)}`);
    const code = await issueCode(gw, 'alice');
    const posted = await portalForm(gw, 'access-code', '', { code, rd: RD });
    assert.equal(posted.status, 401, 'a form without a session: the sign-in page');
    assert.match(posted.body, /session has ended|Sign in/i);
    assert.ok(await gw.runtime.durable.findAccessCode('alice'), 'nothing used');
  });

  it('says what was wrong, then goes to enrolment on the right code', async (t) => {
    const gw = await gateway(t);
    const code = await issueCode(gw, 'alice');
    const cookie = await gw.login('alice');
    const form = await page(gw, `/.portcullis/access-code?rd=${encodeURIComponent(RD)}`, cookie);
    assert.equal(form.status, 200);
    assert.match(form.body, /<form method="post" action="\/.portcullis\/access-code">/);
    assert.match(form.body, /<input type="hidden" name="rd" value="http:\/\/app.test\/admin\/">/);

    const malformed = await portalForm(gw, 'access-code', cookie, { code: 'hello', rd: RD });
    assert.equal(malformed.status, 400);
    assert.match(malformed.body, /it has 12 letters and digits/);
    assert.match(malformed.body, /aria-invalid="true"/);
    const wrong = await portalForm(gw, 'access-code', cookie, { code: 'aaaa-bbbb-cccc', rd: RD });
    assert.equal(wrong.status, 401);
    assert.match(wrong.body, /That code is not valid/);

    const right = await portalForm(gw, 'access-code', cookie, { code, rd: RD });
    assert.equal(right.status, 303);
    assert.equal(right.headers.location, `/.portcullis/enroll?rd=${encodeURIComponent(RD)}`);
    const enrolling = cookieFrom(right, gw.cookieName);
    assert.ok(enrolling);
    const enroll = await page(gw, `/.portcullis/enroll?rd=${encodeURIComponent(RD)}`, enrolling);
    assert.equal(enroll.status, 200, 'enrolment next to the factor she holds, without proving it');
    assert.match(enroll.body, /name="code"/);

    const back = await page(gw, `/.portcullis/access-code?rd=${encodeURIComponent(RD)}`, enrolling);
    assert.equal(back.status, 302, 'once accepted, the page goes straight on to enrolment');
    assert.equal(back.headers.location, `/.portcullis/enroll?rd=${encodeURIComponent(RD)}`);
  });

  it('an expired code is named as such, in the language of the page', async (t) => {
    const gw = await gateway(t);
    const code = await issueCode(gw, 'alice', '5m');
    gw.clock.advance(6 * 60_000);
    const cookie = await gw.login('alice');
    const late = await gw.send({
      method: 'POST',
      host: 'portal.test',
      target: '/.portcullis/access-code',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        origin: 'http://portal.test',
        cookie,
        'accept-language': 'fr',
      },
      body: new URLSearchParams({ code }).toString(),
    });
    assert.equal(late.status, 401);
    assert.match(late.body, /Ce code a expiré/);
  });
});
