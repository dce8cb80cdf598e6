/**
 * What a person on a phone, with a screen reader or with the keyboard alone meets on a page, as
 * the browser tests check it: nothing wider than the viewport or cut off, axe-core's WCAG 2.1 AA
 * rules, every control reached with Tab and its focus visible, errors announced and tied to
 * their field.
 *
 * axe-core runs inside the page under the portal's strict CSP (`script-src 'self'`, no inline
 * script): an injected <script> tag would be refused, so its source is evaluated through the
 * DevTools protocol (page.evaluate), which the page's CSP does not govern. Nothing is added to
 * the portal for the tests.
 *
 * The page-side code is plain text: this module's types have no DOM (see browser.ts).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** The axe-core tags of WCAG 2.1 levels A and AA. */
export const WCAG21_AA = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] as const;

/** How a page script names an element in a message: tag, id, classes, start of its text. */
const DESCRIBE = `const describe = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
  (typeof el.className === 'string' && el.className ? '.' + el.className.trim().split(/\\s+/).join('.') : '') +
  ' "' + (el.textContent || el.value || '').trim().replace(/\\s+/g, ' ').slice(0, 40) + '"';`;

/**
 * Everything sticking out sideways: the page scrolling horizontally, an element whose box ends
 * beyond the viewport's right edge (or starts left of 0), an element that clips its own content
 * (text cut off). Form fields scroll their own value and are not counted as cut off.
 */
export function overflow(page: Page): Promise<string[]> {
  return page.evaluate(`(() => {
    ${DESCRIBE}
    const root = document.documentElement;
    const width = root.clientWidth;
    const found = [];
    if (root.scrollWidth > width) found.push('the page scrolls sideways: ' + root.scrollWidth + ' > ' + width + ' px');
    for (const el of document.body.querySelectorAll('*')) {
      const box = el.getBoundingClientRect();
      if (box.width <= 1 || box.height <= 1 || !el.checkVisibility()) continue; // a visually hidden box holds nothing to see
      if (box.right > width + 0.5 || box.left < -0.5)
        found.push(describe(el) + ' spans ' + Math.round(box.left) + '..' + Math.round(box.right) + ' of ' + width + ' px');
      const style = getComputedStyle(el);
      if (!['INPUT', 'TEXTAREA', 'SELECT'].includes(el.tagName) && style.overflowX !== 'visible' && el.scrollWidth > el.clientWidth + 1)
        found.push(describe(el) + ' cuts off its content: ' + el.scrollWidth + ' > ' + el.clientWidth + ' px');
    }
    return found;
  })()`);
}

/** axe-core's WCAG 2.1 AA violations on the page, one line each with the elements concerned. */
export async function axeViolations(page: Page): Promise<string[]> {
  await page.evaluate(AXE_SOURCE);
  return page.evaluate(`axe
    .run(document, { runOnly: { type: 'tag', values: ${JSON.stringify(WCAG21_AA)} }, resultTypes: ['violations'] })
    .then((r) => r.violations.map((v) => v.id + ' (' + v.impact + '): ' + v.help + ' at ' +
      v.nodes.map((n) => n.target.join(' ')).join(', ')))`);
}

/**
 * Presses Tab until every visible control of the page (links, buttons, fields, summaries) has
 * had the focus, twice the count at most (the focus wraps around once). Returns the controls
 * never reached, those reached without a visible focus indicator, and any positive tabindex
 * (which would reorder the page).
 */
export async function keyboardWalk(
  page: Page,
): Promise<{ unreached: string[]; noVisibleFocus: string[]; reordered: string[] }> {
  const controls = await page.evaluate<string[]>(`(() => {
    ${DESCRIBE}
    const all = [...document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]')]
      .filter((el) => !el.disabled && el.checkVisibility({ visibilityProperty: true }));
    all.forEach((el, i) => el.setAttribute('data-kbd', String(i)));
    document.activeElement?.blur?.();
    return all.map(describe);
  })()`);
  const reordered = await page.evaluate<string[]>(`(() => {
    ${DESCRIBE}
    return [...document.querySelectorAll('[tabindex]')].filter((el) => el.tabIndex > 0).map(describe);
  })()`);
  const reached = new Set<number>();
  const noVisibleFocus = new Set<string>();
  for (let i = 0; i < 2 * controls.length + 2 && reached.size < controls.length; i++) {
    await page.keyboard.press('Tab');
    const at = await page.evaluate<{ index: number; visible: boolean } | null>(`(() => {
      const el = document.activeElement;
      if (!el || !el.hasAttribute('data-kbd')) return null;
      const style = getComputedStyle(el);
      const ring = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2;
      return { index: Number(el.getAttribute('data-kbd')), visible: el.matches(':focus-visible') && ring };
    })()`);
    if (at === null) continue;
    reached.add(at.index);
    if (!at.visible) noVisibleFocus.add(controls[at.index] ?? String(at.index));
  }
  return {
    unreached: controls.filter((_, i) => !reached.has(i)),
    noVisibleFocus: [...noVisibleFocus],
    reordered,
  };
}

/**
 * How the page's error reaches a screen reader: the text of its alert (role=alert), the fields
 * marked aria-invalid and whether each names the alert in aria-describedby, and the field that
 * has the focus.
 */
export function announcedError(
  page: Page,
): Promise<{ alert: string | null; invalid: { label: string; describedByAlert: boolean }[]; focused: string | null }> {
  return page.evaluate(`(() => {
    const alert = [...document.querySelectorAll('[role=alert]')].find((el) => el.checkVisibility() && el.textContent.trim());
    const labelOf = (el) => (el.labels && el.labels[0] ? el.labels[0].textContent.trim() : el.id);
    const invalid = [...document.querySelectorAll('[aria-invalid=true]')].map((el) => ({
      label: labelOf(el),
      describedByAlert: !!alert && !!alert.id && (el.getAttribute('aria-describedby') || '').split(/\\s+/).includes(alert.id),
    }));
    const active = document.activeElement;
    return {
      alert: alert ? alert.textContent.trim() : null,
      invalid,
      focused: active && active.matches('input, select, textarea') ? labelOf(active) : null,
    };
  })()`);
}
