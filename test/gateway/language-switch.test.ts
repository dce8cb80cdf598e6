import assert from 'node:assert/strict';
import { test } from 'node:test';
import { safeBack } from '../../src/web/i18n/page-locale.ts';
import { startTestGateway } from '../helpers/gateway.ts';

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
