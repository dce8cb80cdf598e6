/**
 * A test gateway and a Chromium for the cross-host browser tests. The portal is
 * http://localhost:PORT (or another portal host); the same upstream is served as an app on the
 * portal's own host, on another host and on a wildcard host, all on the gateway's one port,
 * which Chromium resolves to loopback. Each case opens its own browser context (no cookie
 * carried over) and signs in as its own user, so the cases do not depend on each other.
 */

import assert from 'node:assert/strict';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { ManualClock } from '../../src/clock.ts';
import { freePort, launchChromium, type PageProblems, upstreamEcho, watchProblems } from './browser.ts';
import { PASSWORD, startTestGateway, type TestGateway } from './gateway.ts';

/** Per step: generous, but every wait is for something (a URL, an element), never a fixed time. */
export const STEP = 15_000;

/** Where the app is, as the tests name it: the portal's own host, another one, a wildcard one. */
export const APP_HOSTS = [
  { where: 'on the portal host', host: 'localhost' },
  { where: 'on another host', host: 'rmm.acme.test' },
  { where: 'on a wildcard host', host: 'x.wild.test' },
] as const;

/** Paths of the app by what they need: a password, a second factor, a second factor of the last 5 minutes. */
export const PAGES = { password: '/pw/home?tab=1', mfa: '/mfa/tickets', fresh: '/fresh/admin' } as const;

const rules = (hosts: readonly string[]) => ({
  rules: [
    { name: 'password', hosts, paths: ['/pw/**'], action: 'authenticate', require: { level: 'password' } },
    { name: 'mfa', hosts, paths: ['/mfa/**'], action: 'authenticate', require: { level: 'mfa' } },
    {
      name: 'fresh-mfa',
      hosts,
      paths: ['/fresh/**'],
      action: 'authenticate',
      require: { level: 'mfa', max_age: '5m' },
    },
  ],
});

export interface BrowserGateway {
  gw: TestGateway;
  browser: Browser;
  /** the portal's host name, e.g. localhost */
  portalHost: string;
  /** the portal's origin, e.g. http://localhost:PORT */
  portal: string;
  /** http://HOST:PORT */
  origin(host: string): string;
  /** a new browser context and page (800 x 900 unless told), watched for console errors and CSP violations */
  open(viewport?: { width: number; height: number }): Promise<Tab>;
  close(): Promise<void>;
}

export interface Tab {
  context: BrowserContext;
  page: Page;
  problems: PageProblems;
  /** every POST the page sent, as `origin path` */
  posts: string[];
}

/**
 * Starts the gateway with an app on each of `appHosts` (besides the test gateway's own apps,
 * among them `*.wild.test`) and the users named (MSP staff, no second factor yet), and a
 * Chromium that resolves every host to loopback. The policy covers `appHosts` and `*.wild.test`;
 * `apps` and `policies` add apps (their hosts resolved too) and policy files of their own.
 */
export async function startBrowserGateway(
  executable: string,
  opts: {
    users: readonly string[];
    portalHost?: string;
    appHosts?: readonly string[];
    cookieDomain?: string;
    apps?: readonly { name: string; host: string; upstream: string }[];
    policies?: Record<string, object>;
    /** more names Chromium resolves to loopback (a host the gateway does not serve) */
    resolve?: readonly string[];
    /** more top-level keys of gateway.yaml (e.g. `mfa`) */
    gateway?: Record<string, unknown>;
    /** the gateway's clock (default: a ManualClock of its own) */
    clock?: ManualClock;
  },
): Promise<BrowserGateway> {
  const portalHost = opts.portalHost ?? 'localhost';
  const appHosts = opts.appHosts ?? ['localhost', 'rmm.acme.test'];
  const port = await freePort();
  const portal = `http://${portalHost}:${port}`;
  const gw = await startTestGateway({
    ...(opts.clock ? { clock: opts.clock } : {}),
    gateway: {
      ...opts.gateway,
      server: { listen: `127.0.0.1:${port}`, public_url: portal },
      session: {
        idle_timeout: '30m',
        max_lifetime: '12h',
        ...(opts.cookieDomain ? { cookie_domain: opts.cookieDomain } : {}),
      },
    },
    apps: [...appHosts.map((host, i) => ({ name: `app${i}`, host, upstream: 'UPSTREAM' })), ...(opts.apps ?? [])],
    users: Object.fromEntries(opts.users.map((u) => [u, { groups: ['staff'], email: `${u}@msp.example` }])),
    policies: { '00-hosts.yaml': rules([...appHosts, '*.wild.test']), ...opts.policies },
  });
  const resolved = [
    portalHost,
    ...appHosts,
    'x.wild.test',
    ...(opts.apps ?? []).map((a) => a.host),
    ...(opts.resolve ?? []),
  ].filter((h) => h !== 'localhost');
  const browser = await launchChromium(executable, { hosts: resolved });
  return {
    gw,
    browser,
    portalHost,
    portal,
    origin: (host) => `http://${host}:${port}`,
    async open(viewport = { width: 800, height: 900 }) {
      const context = await browser.newContext({ viewport });
      context.setDefaultTimeout(STEP);
      context.setDefaultNavigationTimeout(STEP);
      const page = await context.newPage();
      const problems = await watchProblems(page);
      const posts: string[] = [];
      page.on('request', (r) => {
        if (r.method() === 'POST') posts.push(`${new URL(r.url()).origin} ${new URL(r.url()).pathname}`);
      });
      return { context, page, problems, posts };
    },
    async close() {
      await browser.close();
      await gw.close();
    },
  };
}

/** On the sign-in page: types the user's name and password and presses Sign in. */
export async function signIn(page: Page, user: string): Promise<void> {
  await page.waitForURL('**/.portcullis/login?**');
  await page.getByLabel('User name').fill(user);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

/** Waits until the browser shows `url`, served by the app to `user` (the upstream echoes its headers). */
export async function landOn(page: Page, url: string, user: string): Promise<void> {
  await page.waitForURL(url);
  const echo = await upstreamEcho(page, STEP);
  const target = new URL(url);
  assert.equal(echo.url, `${target.pathname}${target.search}`);
  assert.equal(echo.headers['remote-user'], user);
}

/** Failed second-factor proofs of `user` the lockout counted. */
export async function failuresOf(gw: TestGateway, user: string): Promise<number> {
  return (await gw.runtime.lockout.status(user)).failures;
}

/**
 * Runs `steps` in a new tab (its own cookies), then checks the pages logged no console error and
 * no CSP violation on the way; the tab is closed whatever happened.
 */
export async function inTab(
  run: BrowserGateway,
  steps: (tab: Tab) => Promise<void>,
  viewport?: { width: number; height: number },
): Promise<void> {
  const tab = await run.open(viewport);
  try {
    await steps(tab);
    assert.deepEqual(tab.problems.list, [], 'no console error, no CSP violation');
  } finally {
    await tab.context.close();
  }
}
