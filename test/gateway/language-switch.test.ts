import assert from 'node:assert/strict';
import { test } from 'node:test';
import { safeBack } from '../../src/web/i18n/page-locale.ts';
import { startTestGateway } from '../helpers/gateway.ts';
import type { Answer } from '../helpers/http.ts';

test('the language switcher remembers a choice on the portal path only, and goes back to a portal page', async (t) => {
  const gw = await startTestGateway();
  t.after(() => gw.close());
  const back = '/.portcullis/login?rd=http%3A%2F%2Fapp.test%2Fx';
  for (const host of ['portal.test', 'app.test']) {
    const answer = await gw.send({ host, target: `/.portcullis/language?set=de&back=${encodeURIComponent(back)}` });
    assert.equal(answer.status, 303, host);
    assert.equal(answer.headers.location, back);
    assert.deepEqual(answer.cookies, [
      'portcullis_lang=de; Max-Age=31536000; Path=/.portcullis/; HttpOnly; SameSite=Lax',
    ]);
  }
  const refused = ['set=xx', 'set=de&set=fr', 'set=de&other=1', `set=${'d'.repeat(5000)}`, ''];
  for (const query of refused) {
    const answer = await gw.send({ host: 'portal.test', target: `/.portcullis/language?${query}` });
    assert.equal(answer.status, 400, query);
    assert.deepEqual(answer.cookies, [], `${query}: nothing remembered`);
  }
});

test('the way back is a portal page of this host, or the account page', () => {
  const rows: [back: string | undefined, expected: string][] = [
    [undefined, '/.portcullis/'],
    ['/.portcullis/stepup?rd=x', '/.portcullis/stepup?rd=x'],
    ['https://evil.example/', '/.portcullis/'],
    ['//evil.example/.portcullis/', '/.portcullis/'],
    ['/admin', '/.portcullis/'],
    ['/.portcullis/../admin', '/.portcullis/'],
    ['/.portcullis/./x', '/.portcullis/'],
    ['/.portcullis/x\\y', '/.portcullis/'],
    ['/.portcullis/x\r\nSet-Cookie: a=b', '/.portcullis/'],
  ];
  for (const [back, expected] of rows) assert.equal(safeBack(back), expected, String(back));
});

test('the switcher on a form’s answer comes back to the form’s page, on the way to the same rd', async (t) => {
  const gw = await startTestGateway();
  t.after(() => gw.close());
  const backOf = (body: string) => {
    const href = /<a lang="de" hreflang="de" href="([^"]*)"/.exec(body)?.[1] ?? '';
    return new URLSearchParams(href.replace(/&amp;/g, '&').split('?')[1]).get('back');
  };
  const form = (target: string, fields: Record<string, string>) =>
    gw.send({
      method: 'POST',
      host: 'portal.test',
      target,
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        origin: 'http://portal.test',
        accept: 'text/html',
      },
      body: new URLSearchParams(fields).toString(),
    });
  const rd = 'http://app.test/admin?x=1';
  const long = `http://app.test/${'a'.repeat(4070)}`;
  const rows: [what: string, answer: Promise<Answer>, back: string][] = [
    [
      'a wrong password, with rd',
      form('/.portcullis/login', { username: 'bob', password: 'no', rd }),
      `/.portcullis/login?rd=${encodeURIComponent(rd)}`,
    ],
    [
      'a wrong password, without rd',
      form('/.portcullis/login', { username: 'bob', password: 'no' }),
      '/.portcullis/login',
    ],
    [
      'an rd too long to come back with',
      form('/.portcullis/login', { username: 'bob', password: 'no', rd: long }),
      '/.portcullis/login',
    ],
    [
      'an invitation’s password form',
      form('/.portcullis/invite/password', { token: 'A'.repeat(43), password: 'x', confirm: 'x' }),
      '/.portcullis/invite',
    ],
    [
      'a page asked for with rd',
      gw.send({
        host: 'portal.test',
        target: `/.portcullis/login?rd=${encodeURIComponent(rd)}`,
        headers: { accept: 'text/html' },
      }),
      `/.portcullis/login?rd=${encodeURIComponent(rd)}`,
    ],
    [
      'a page whose address is too long',
      gw.send({
        host: 'portal.test',
        target: `/.portcullis/login?rd=${encodeURIComponent(long)}`,
        headers: { accept: 'text/html' },
      }),
      '/.portcullis/login',
    ],
  ];
  for (const [what, answer, back] of rows) {
    const page = await answer;
    assert.equal(backOf(page.body), back, what);
    const switched = await gw.send({
      host: 'portal.test',
      target: `/.portcullis/language?set=de&back=${encodeURIComponent(back)}`,
    });
    assert.equal(switched.status, 303, `${what}: the switcher takes it`);
  }
});
