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
