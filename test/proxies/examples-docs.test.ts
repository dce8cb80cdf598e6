import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { EXAMPLES, exampleText } from '../helpers/proxies.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
const page = read('docs/forward-auth.md');

/** `<!-- example: PATH -->` then a fenced block: the path and the block's text. */
function embedded(markdown: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const match of markdown.matchAll(/<!-- example: (\S+) -->\n```[a-z]*\n([\s\S]*?)```\n/g)) {
    const [, path = '', text = ''] = match;
    assert.ok(!out.has(path), `${path} is embedded twice`);
    out.set(path, text);
  }
  return out;
}

describe('docs/forward-auth.md and the examples the proxy tests run', () => {
  it('embeds exactly the files the tests run, as they are', () => {
    const blocks = embedded(page);
    assert.deepEqual([...blocks.keys()].sort(), Object.values(EXAMPLES).sort());
    for (const [path, text] of blocks) assert.equal(text, exampleText(path), `${path} differs from the page`);
  });

  it('links each file, and deploy/ holds no proxy example that is not tested', () => {
    for (const path of Object.values(EXAMPLES)) assert.ok(page.includes(`](../${path})`), `no link to ${path}`);
    for (const proxy of ['nginx', 'caddy', 'traefik']) {
      for (const file of readdirSync(join(ROOT, 'deploy', proxy))) {
        assert.ok(
          (Object.values(EXAMPLES) as string[]).includes(`deploy/${proxy}/${file}`),
          `deploy/${proxy}/${file} is run by no test`,
        );
      }
    }
  });

  it('each example explains every placeholder it uses', () => {
    for (const path of Object.values(EXAMPLES)) {
      const lines = exampleText(path).split('\n');
      const comments = lines.filter((l) => /^\s*#/.test(l)).join('\n');
      const code = lines.filter((l) => !/^\s*#/.test(l)).join('\n');
      const used = new Set(code.match(/\b(?:APP|PORTCULLIS)_[A-Z]+\b|\bLISTEN\b(?=;)/g) ?? []);
      assert.ok(used.size > 0, path);
      for (const name of used)
        assert.match(comments, new RegExp(`#\\s+${name}\\s`), `${path}: ${name} is not explained`);
    }
  });

  it('is linked from the README and the configuration reference', () => {
    assert.match(read('README.md'), /\]\(docs\/forward-auth\.md\)/);
    assert.match(read('docs/configuration.md'), /\]\(forward-auth\.md\)/);
  });
});
