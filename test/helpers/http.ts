import { request as httpRequest } from 'node:http';

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  json<T = Record<string, unknown>>(): T;
  /** the Set-Cookie headers as a list */
  cookies: string[];
}

/**
 * A raw HTTP/1.1 request to the gateway with full control of the Host header and the request
 * target (fetch forbids both). `target` is sent byte-for-byte.
 */
export function send(
  port: number,
  opts: { method?: string; host: string; target?: string; headers?: Record<string, string | string[]>; body?: string },
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        method: opts.method ?? 'GET',
        path: opts.target ?? '/',
        headers: { host: opts.host, ...(opts.headers ?? {}) },
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          const setCookie = res.headers['set-cookie'];
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body,
            json: <T>() => JSON.parse(body) as T,
            cookies: Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : [],
          });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (opts.body !== undefined) req.write(opts.body);
    req.end();
  });
}

/** `name=value` of the named cookie among Set-Cookie headers, or undefined. */
export function cookieFrom(answer: Answer, name: string): string | undefined {
  for (const c of answer.cookies) {
    const [pair] = c.split(';');
    if (pair?.startsWith(`${name}=`)) return pair;
  }
  return undefined;
}

/** The whole Set-Cookie header (with its attributes) of the named cookie, or undefined. */
export function setCookieOf(answer: Answer, name: string): string | undefined {
  return answer.cookies.find((c) => c.startsWith(`${name}=`));
}

/**
 * Where a finished sign-in step sends the browser: the Location of a 303, or the page that the
 * single sign-on hand-off page (a 200 whose form posts to another host's /.portcullis/sso)
 * goes on to; undefined for any other answer.
 */
export function onwardTo(answer: Answer): string | undefined {
  if (answer.status === 303) return String(answer.headers.location);
  if (answer.status !== 200 || !/<form method="post" action="[^"]+\/\.portcullis\/sso"/.test(answer.body))
    return undefined;
  return /name="rd" value="([^"]+)"/.exec(answer.body)?.[1]?.replaceAll('&amp;', '&');
}
