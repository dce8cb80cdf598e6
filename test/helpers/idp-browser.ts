/**
 * A browser for sign-ins through an identity provider in tests: the gateway's hosts (portal.test,
 * acme.test, ...) are reached on the gateway's port with their Host header and cookies kept per
 * host; the OpenID Provider is reached with fetch and its own cookie jar (oidc-browser.ts).
 */
import type { TestGateway } from './gateway.ts';
import { type Answer, onwardTo } from './http.ts';
import { browse, CookieJar } from './oidc-browser.ts';

export class IdpBrowser {
  /** host -> cookie name -> value, for the gateway's hosts */
  readonly #cookies = new Map<string, Map<string, string>>();
  readonly op = new CookieJar();

  constructor(readonly gw: TestGateway) {}

  cookie(host: string): string | undefined {
    const held = this.#cookies.get(host);
    return held?.size ? [...held].map(([n, v]) => `${n}=${v}`).join('; ') : undefined;
  }

  /** The value of one of the gateway's cookies this browser holds for `host`. */
  value(host: string, name: string): string | undefined {
    return this.#cookies.get(host)?.get(name);
  }

  forget(host: string, name: string): void {
    this.#cookies.get(host)?.delete(name);
  }

  /** A GET of a gateway URL (http://host/path) with this browser's cookies; keeps what it sets. */
  async get(url: string, headers: Record<string, string> = {}): Promise<Answer> {
    const u = new URL(url);
    const cookie = this.cookie(u.host);
    const answer = await this.gw.send({
      host: u.host,
      target: u.pathname + u.search,
      headers: { accept: 'text/html', ...(cookie ? { cookie } : {}), ...headers },
    });
    this.#keep(u.host, answer);
    return answer;
  }

  /** A POST of a form to a gateway URL, with the Origin of the page that holds the form (default: the URL's). */
  async post(url: string, form: Record<string, string>, from?: string): Promise<Answer> {
    const u = new URL(url);
    const cookie = this.cookie(u.host);
    const answer = await this.gw.send({
      method: 'POST',
      host: u.host,
      target: u.pathname + u.search,
      headers: {
        accept: 'text/html',
        'content-type': 'application/x-www-form-urlencoded',
        origin: from ?? u.origin,
        ...(cookie ? { cookie } : {}),
      },
      body: new URLSearchParams(form).toString(),
    });
    this.#keep(u.host, answer);
    return answer;
  }

  /**
   * From the gateway's start address through the provider and back: the provider's redirect to
   * the callback is returned, not followed (the test decides what to do with it).
   */
  async toProvider(start: string): Promise<{ started: Answer; callback: URL }> {
    const started = await this.get(start);
    if (started.status !== 302) throw new Error(`start answered ${started.status}: ${started.body.slice(0, 300)}`);
    const portal = new URL(start).host;
    const callback = await browse(new URL(String(started.headers.location)), this.op, (u) => u.host === portal);
    return { started, callback };
  }

  /**
   * The whole sign-in: start, provider, callback, and on through the single sign-on hand-off to
   * where the gateway sends the browser; the last answer (the callback's when it is no redirect).
   */
  async signIn(start: string): Promise<{ callback: Answer; landed: string | undefined }> {
    const { callback: back } = await this.toProvider(start);
    const callback = await this.get(back.href);
    let landed = onwardTo(callback);
    // the hand-off page posts a one-time code to the other host, which sets its own cookie
    if (callback.status === 200 && landed !== undefined) {
      const action = /<form method="post" action="([^"]+)"/.exec(callback.body)?.[1]?.replaceAll('&amp;', '&');
      const code = /name="code" value="([^"]+)"/.exec(callback.body)?.[1];
      if (action !== undefined && code !== undefined) {
        const handed = await this.post(action, { code, rd: landed }, new URL(start).origin);
        landed = handed.status === 303 ? String(handed.headers.location) : landed;
      }
    }
    return { callback, landed };
  }

  #keep(host: string, answer: Answer): void {
    const held = this.#cookies.get(host) ?? new Map<string, string>();
    for (const line of answer.cookies) {
      const [pair = ''] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      if (value === '' || /max-age=0/i.test(line)) held.delete(name);
      else held.set(name, value);
    }
    this.#cookies.set(host, held);
  }
}
