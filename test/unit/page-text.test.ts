import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pageTexts, textsOutsideCatalogues } from '../helpers/page-text.ts';

test('the texts of a page: text nodes and the attributes people read, never scripts or styles', () => {
  const html = `<!doctype html><html lang="en"><head><title>Sign in · Portcullis</title><style>p{color:red}</style></head>
<body><main><h1>Sign&nbsp;in</h1><p>Signed in as <strong>alice</strong>.</p>
<input placeholder="name@example" aria-label="User  name"><img alt="Logo"><input type="submit" value="Go">
<script>var x = "not text";</script></main></body></html>`;
  assert.deepEqual(pageTexts(html), [
    'Sign in',
    'Portcullis',
    'Sign in',
    'Signed in as',
    'alice',
    '.',
    'name@example',
    'User name',
    'Logo',
    'Go',
  ]);
});

test('a text outside the catalogues is found; messages, their pieces and test values are not', () => {
  const page = (body: string, title = 'Language') =>
    `<html><head><title>${title}</title></head><body>${body}</body></html>`;
  assert.deepEqual(textsOutsideCatalogues(page('<p>Language</p><a>Skip to the content</a>'), 'en'), []);
  assert.deepEqual(textsOutsideCatalogues(page('<p>Sprache</p>', 'Sprache'), 'de'), []);
  assert.deepEqual(textsOutsideCatalogues(page('<p>Sprache</p>'), 'en'), ['Sprache']);
  assert.deepEqual(textsOutsideCatalogues(page('', 'Welcome aboard'), 'en'), ['Welcome aboard'], 'the title too');
  assert.deepEqual(textsOutsideCatalogues(page('<p>Hello there</p><p>12:05 · 3/10</p>'), 'en'), ['Hello there']);
  assert.deepEqual(textsOutsideCatalogues(page('<p>alice</p><p>Acme Corp</p>'), 'en', ['alice', 'Acme Corp']), []);
});
