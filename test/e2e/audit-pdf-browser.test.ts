/**
 * The HTML audit report printed to PDF by Chromium, on A4, as an MSP prints it for a client: the
 * file loads from disk with no request other than itself (its logo is inlined), no console error
 * and no CSP violation; the PDF has a cover page and a findings page per tenant.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { render } from '../../src/report/audit-report.ts';
import { collect } from '../../src/report/collect.ts';
import { buildReport } from '../../src/report/findings.ts';
import { openDurable } from '../../src/stores/open.ts';
import { findChromium, launchChromium, requireChromium, SCREENSHOT_DIR, watchProblems } from '../helpers/browser.ts';
import { lockedCathy, type Seeded, seeded } from '../report/seed.ts';

const executable = findChromium();

/** The pages of a PDF: its page objects (Chromium writes them uncompressed). */
const pageCount = (pdf: Buffer) => (pdf.toString('latin1').match(/\/Type\s*\/Page(?![a-z])/g) ?? []).length;

if (executable === null) {
  it('the audit report printed to PDF (Chromium)', (t) => {
    requireChromium(t);
  });
} else {
  describe('the audit report printed to PDF (Chromium)', { timeout: 120_000 }, () => {
    let seed: Seeded;
    let browser: Browser;
    let file: string;
    before(async () => {
      seed = await seeded();
      const state = await seed.state();
      const durable = await openDurable(`sqlite:${seed.db}`, seed.root);
      try {
        const report = buildReport(await collect(state, durable, await lockedCathy(state, seed.clock), seed.clock));
        file = join(seed.root, 'audit.html');
        writeFileSync(file, render(report, 'html', state));
        const acme = buildReport(await collect(state, durable, null, seed.clock), 'acme');
        writeFileSync(join(seed.root, 'acme.html'), render(acme, 'html', state));
      } finally {
        await durable.close();
      }
      browser = await launchChromium(executable);
    });
    after(async () => {
      await browser?.close();
      seed.remove();
    });

    async function print(
      path: string,
    ): Promise<{ pdf: Buffer; requests: string[]; blocked: string[]; problems: string[] }> {
      const context = await browser.newContext();
      try {
        const page = await context.newPage();
        const url = pathToFileURL(path).href;
        const requests: string[] = [];
        const blocked: string[] = [];
        page.on('request', (r) => requests.push(r.url()));
        await context.route('**/*', (route) => {
          const target = route.request().url();
          if (target === url) return route.continue();
          blocked.push(target);
          return route.abort();
        });
        const problems = await watchProblems(page);
        await page.goto(url, { waitUntil: 'load' });
        await page.emulateMedia({ media: 'print' });
        const pdf = await page.pdf({ format: 'A4', printBackground: true, preferCSSPageSize: true });
        return { pdf, requests, blocked, problems: problems.list };
      } finally {
        await context.close();
      }
    }

    it('prints every tenant on A4 with no request but the file and no console error', async () => {
      const { pdf, requests, blocked, problems } = await print(file);
      assert.deepEqual(problems, []);
      assert.deepEqual(blocked, [], 'nothing but the file itself was asked for');
      assert.deepEqual(
        requests.filter((u) => !u.startsWith('data:')),
        [pathToFileURL(file).href],
      );
      assert.equal(pdf.subarray(0, 5).toString('latin1'), '%PDF-');
      const pages = pageCount(pdf);
      assert.ok(pages >= 6, `a cover and findings for each of the 3 tenants: ${pages} pages`);
      assert.match(
        pdf.toString('latin1'),
        /\/MediaBox\s*\[\s*0 0 59[45](\.\d+)? 84[12](\.\d+)?\s*\]/,
        'A4: 595 x 842 pt',
      );
      mkdirSync(join(SCREENSHOT_DIR, '..'), { recursive: true });
      writeFileSync(join(SCREENSHOT_DIR, '..', 'audit-report.pdf'), pdf);
    });

    it("one client's report: its own cover and findings", async () => {
      const { pdf, blocked, problems } = await print(join(seed.root, 'acme.html'));
      assert.deepEqual(problems, []);
      assert.deepEqual(blocked, []);
      const pages = pageCount(pdf);
      assert.ok(pages >= 2 && pages < 6, `${pages} pages`);
    });
  });
}
