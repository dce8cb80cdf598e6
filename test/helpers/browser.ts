/**
 * Browser tests in a real Chromium, driven by playwright-core (which never downloads a browser:
 * it runs the one installed on the machine, found on the PATH at run time).
 *
 * requireChromium(t) returns the browser's path. When there is none: under CI (CI=true) the test
 * FAILS, because CI must run the browser tests; elsewhere it is skipped with a visible notice.
 * For suites registered at load time, check `findChromium()` first and register a single gate
 * test calling requireChromium when it is null (see test/e2e/webauthn-browser.test.ts).
 *
 * Also here: a free loopback port (the portal must be http://localhost:PORT, a secure context for
 * WebAuthn), a CDP virtual authenticator, a watch on console errors, page errors and CSP
 * violations, and screenshots under test-results/screenshots/ (git-ignored) for people to look at.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type Browser, type BrowserContext, type CDPSession, chromium, type Page } from 'playwright-core';
import { missing } from './services.ts';

/** The names Chromium goes by on the PATH, most likely first. */
const NAMES = ['chromium', 'chromium-browser', 'google-chrome-stable', 'google-chrome'];

/** Where the screenshots go: <repository>/test-results/screenshots/ */
export const SCREENSHOT_DIR = fileURLToPath(new URL('../../test-results/screenshots/', import.meta.url));

/** Chromium's path on the PATH (as `command -v` finds it), or null. PORTCULLIS_CHROMIUM overrides. */
export function findChromium(): string | null {
  const override = process.env.PORTCULLIS_CHROMIUM;
  if (override) return override;
  for (const name of NAMES) {
    try {
      const found = execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8', stdio: 'pipe' }).trim();
      if (found) return found;
    } catch {
      // not on the PATH: try the next name
    }
  }
  return null;
}

/** The browser's path; otherwise skips the test (or fails it in CI) and returns null. */
export function requireChromium(t: TestContext): string | null {
  const found = findChromium();
  if (found !== null) return found;
  missing('chromium not found on the PATH (install the chromium package)', t);
  return null;
}

/** Chromium's sandbox does not start as root (containers): only then is it turned off. */
export const runningAsRoot = (): boolean => typeof process.getuid === 'function' && process.getuid() === 0;

/**
 * Launches headless Chromium. `hosts`: names resolved to 127.0.0.1 (for app hosts on the test
 * gateway's port), so no system resolver or /etc/hosts is involved.
 */
export function launchChromium(executablePath: string, opts: { hosts?: readonly string[] } = {}): Promise<Browser> {
  const args = ['--disable-dev-shm-usage', '--no-first-run', '--no-default-browser-check'];
  if (runningAsRoot()) args.push('--no-sandbox');
  if (opts.hosts && opts.hosts.length > 0)
    args.push(`--host-resolver-rules=${opts.hosts.map((h) => `MAP ${h} 127.0.0.1`).join(', ')}`);
  return chromium.launch({ executablePath, headless: true, args, timeout: 30_000 });
}

export { freePort } from './ports.ts';

/** What went wrong in a page: console errors, uncaught exceptions, CSP violations. */
export interface PageProblems {
  /** everything seen so far, as text */
  readonly list: string[];
  /** forgets what was seen (e.g. after a step where an error is expected) */
  clear(): void;
}

/**
 * Listens to the page's console (errors, and the CSP reports Chromium writes there) and its
 * uncaught exceptions; also records `securitypolicyviolation` events, on every page it loads.
 */
export async function watchProblems(page: Page): Promise<PageProblems> {
  const list: string[] = [];
  page.on('console', (msg) => {
    // the browser's own request for /favic.ico (the portal has none) is not the page's doing
    if (/\/favicon\.ico$/.test(msg.location().url)) return;
    if (msg.type() === 'error' || /Content Security Policy/i.test(msg.text()))
      list.push(`console.${msg.type()}: ${msg.text()} (${msg.location().url})`);
  });
  page.on('pageerror', (err) => list.push(`pageerror: ${err.message}`));
  await page.exposeBinding('__portcullisCspViolation', (_source, text: string) => {
    list.push(`csp: ${text}`);
  });
  // a page script cannot see this module's types (no DOM lib here): the listener is plain text
  await page.addInitScript(`document.addEventListener('securitypolicyviolation', (e) =>
    window.__portcullisCspViolation(e.violatedDirective + ' blocked ' + e.blockedURI + ' (' + e.sourceFile + ':' + e.lineNumber + ')'));`);
  return {
    list,
    clear: () => {
      list.length = 0;
    },
  };
}

/**
 * Passkey autofill (conditional mediation) on or off, as the pages see it. A virtual
 * authenticator answers an autofill request at once, as if the person picked the passkey from
 * the list: with autofill on, the sign-in page signs in by itself before any button is pressed.
 * Off, the browser says it has no autofill, as browsers without it do. Starts off.
 */
export async function controlPasskeyAutofill(page: Page): Promise<{ set(on: boolean): void }> {
  let enabled = false;
  await page.exposeBinding('__portcullisAutofill', () => enabled);
  await page.addInitScript(`if (window.PublicKeyCredential) {
    const real = PublicKeyCredential.isConditionalMediationAvailable?.bind(PublicKeyCredential);
    PublicKeyCredential.isConditionalMediationAvailable = async () =>
      (await window.__portcullisAutofill()) && (real ? await real() : false);
  }`);
  return {
    set(on) {
      enabled = on;
    },
  };
}

/**
 * What the test upstream answered, as the browser shows it: the request as it reached the
 * upstream (method, url, headers with the identity headers). Chromium shows JSON in a <pre>.
 */
export async function upstreamEcho(
  page: Page,
  timeout: number,
): Promise<{ url: string; headers: Record<string, string> }> {
  return JSON.parse((await page.locator('pre').first().textContent({ timeout })) ?? '');
}

/** Saves a full-page screenshot as test-results/screenshots/<name>.png; returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = `${SCREENSHOT_DIR}${name}.png`;
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** A credential as the CDP WebAuthn domain hands it out and takes it back (binary as base64). */
export interface VirtualCredential {
  credentialId: string;
  isResidentCredential: boolean;
  rpId?: string;
  privateKey: string;
  userHandle?: string;
  signCount: number;
}

export interface VirtualAuthenticator {
  readonly cdp: CDPSession;
  readonly id: string;
  /** the credentials it holds (with their private keys: another authenticator can take them) */
  credentials(): Promise<VirtualCredential[]>;
  addCredential(credential: VirtualCredential): Promise<void>;
  /** forgets every credential: the passkey is gone */
  clearCredentials(): Promise<void>;
  /** whether its user verification (PIN, biometrics) succeeds when asked */
  setUserVerified(yes: boolean): Promise<void>;
  /** takes it away: the browser has one authenticator less */
  remove(): Promise<void>;
}

/** Turns on the page's virtual authenticator environment (no real authenticator is used). */
export async function enableVirtualAuthenticators(context: BrowserContext, page: Page): Promise<CDPSession> {
  const cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable', { enableUI: false });
  return cdp;
}

/**
 * A CTAP2 platform authenticator (a passkey on this device) with resident keys and, unless
 * `userVerification` is false, user verification; it answers by itself (no touch needed). Its
 * credential store lives as long as it does: keep the same page across sign-out and sign-in.
 */
export async function addVirtualAuthenticator(
  cdp: CDPSession,
  options: { transport?: 'internal' | 'usb'; userVerification?: boolean } = {},
): Promise<VirtualAuthenticator> {
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: options.transport ?? 'internal',
      hasResidentKey: true,
      hasUserVerification: options.userVerification ?? true,
      isUserVerified: options.userVerification ?? true,
      automaticPresenceSimulation: true,
    },
  });
  return {
    cdp,
    id: authenticatorId,
    async credentials() {
      const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
      return credentials;
    },
    async addCredential(credential) {
      await cdp.send('WebAuthn.addCredential', { authenticatorId, credential });
    },
    async clearCredentials() {
      await cdp.send('WebAuthn.clearCredentials', { authenticatorId });
    },
    async setUserVerified(yes) {
      await cdp.send('WebAuthn.setUserVerified', { authenticatorId, isUserVerified: yes });
    },
    async remove() {
      await cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId });
    },
  };
}
