import type { FastifyReply } from 'fastify';

/** Escapes text for HTML element content and double-quoted attributes. */
export function esc(value: unknown): string {
  return String(value ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** Headers every portal page carries: strict CSP (no inline script or style, no CDN), no framing. */
export function pageSecurityHeaders(formAction = "'self'"): Record<string, string> {
  return {
    'content-security-policy': `default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action ${formAction}; frame-ancestors 'none'; base-uri 'none'`,
    'x-frame-options': 'DENY',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-store',
  };
}

/** Sends a portal page with the security headers. */
export function sendPage(reply: FastifyReply, body: string, status = 200, formAction?: string): FastifyReply {
  return reply.code(status).headers(pageSecurityHeaders(formAction)).type('text/html; charset=utf-8').send(body);
}

/** The page frame shared by every portal page. */
export function layout(
  title: string,
  body: string,
  opts: { script?: string; scripts?: readonly string[] } = {},
): string {
  const scripts = [...(opts.scripts ?? []), ...(opts.script ? [opts.script] : [])];
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)} · Portcullis</title>
<link rel="stylesheet" href="/.portcullis/static/portal.css">
${scripts.map((s) => `<script src="/.portcullis/static/${esc(s)}" defer></script>`).join('\n')}
</head>
<body>
<main class="card">
<p class="brand">Portcullis</p>
${body}
</main>
</body>
</html>
`;
}
