import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { Type } from '../json-schema.ts';

const TYPES: Record<string, string> = {
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

function asset(body: Buffer, type: string): { body: Buffer; type: string; etag: string } {
  return { body, type, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 16)}"` };
}

/** The portal's own assets, read once at start-up and served from memory (no CDN, ever). */
export function loadStaticAssets(): Map<string, { body: Buffer; type: string; etag: string }> {
  const dir = fileURLToPath(new URL('./static/', import.meta.url));
  const assets = new Map<string, { body: Buffer; type: string; etag: string }>();
  for (const name of readdirSync(dir)) {
    const type = TYPES[extname(name)];
    if (!type) continue;
    const body = readFileSync(`${dir}${name}`);
    assets.set(name, asset(body, type));
  }
  // @simplewebauthn/browser, served from here like everything else (it defines SimpleWebAuthnBrowser)
  const browserLib = createRequire(import.meta.url).resolve('@simplewebauthn/browser');
  const bundle = join(dirname(browserLib), '..', 'dist', 'bundle', 'index.umd.min.js');
  assets.set('webauthn-browser.js', asset(readFileSync(bundle), TYPES['.js'] as string));
  return assets;
}

export async function staticRoutes(app: FastifyInstance): Promise<void> {
  const assets = loadStaticAssets();
  // the configured logos (branding), from the state in force
  app.get(
    '/brand/:key',
    { schema: { params: Type.Object({ key: Type.String({ pattern: '^[a-z0-9_-]+\\.(svg|png)$', maxLength: 80 }) }) } },
    async (request, reply) => {
      const key = (request.params as { key: string }).key;
      const b = request.pc.state.branding;
      const logo = [b.msp, ...b.tenants.values()].find((brand) => brand.logo?.key === key)?.logo;
      if (!logo) return reply.code(404).send({ error: 'not_found' });
      return (
        reply
          .header('content-type', logo.type)
          .header('cache-control', 'public, max-age=300')
          .header('x-content-type-options', 'nosniff')
          // an SVG opened directly must not run anything
          .header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; sandbox")
          .send(logo.body)
      );
    },
  );
  app.get(
    '/static/:name',
    { schema: { params: Type.Object({ name: Type.String({ pattern: '^[a-z0-9-]+\\.[a-z]+$' }) }) } },
    async (request, reply) => {
      const asset = assets.get((request.params as { name: string }).name);
      if (!asset) return reply.code(404).send({ error: 'not_found' });
      if (request.headers['if-none-match'] === asset.etag) return reply.code(304).send();
      return reply
        .header('content-type', asset.type)
        .header('etag', asset.etag)
        .header('cache-control', 'public, max-age=300')
        .header('x-content-type-options', 'nosniff')
        .send(asset.body);
    },
  );
  // the push web app's service worker: at /.portcullis/ so that its scope is the portal's pages
  app.get('/push-sw.js', async (_request, reply) => {
    const worker = assets.get('push-sw.js') as { body: Buffer; type: string };
    return reply
      .header('content-type', worker.type)
      .header('cache-control', 'no-cache')
      .header('x-content-type-options', 'nosniff')
      .send(worker.body);
  });
}
