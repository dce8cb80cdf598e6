import { createServer, type IncomingMessage, type Server } from 'node:http';
import { WebSocketServer } from 'ws';

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(req: IncomingMessage): string {
  const rows = Object.entries(req.headers)
    .map(([k, v]) => {
      const mark = /^(remote-|x-portcullis-)/i.test(k) ? ' class="id"' : '';
      return `<tr${mark}><th>${esc(k)}</th><td>${esc(String(v))}</td></tr>`;
    })
    .join('\n');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>whoami</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem}table{border-collapse:collapse}th,td{text-align:left;padding:.3rem .8rem;border-bottom:1px solid #ddd;vertical-align:top}td{font-family:monospace;word-break:break-all}.id th,.id td{background:#eef5ff}</style></head>
<body><h1>whoami</h1><p>The demo upstream behind Portcullis. Highlighted rows are the identity headers the gateway set.</p>
<p>${esc(req.method ?? '')} ${esc(req.url ?? '')}</p><table>${rows}</table>
<p><a href="/.portcullis/">Your account</a> · <a href="/.portcullis/logout">Sign out</a></p></body></html>`;
}

/**
 * The built-in demo upstream of `npm start`: shows the headers it received (HTML for browsers,
 * JSON otherwise) and echoes WebSocket messages. Listens on loopback only.
 */
export async function startWhoami(port = 0): Promise<{ server: Server; origin: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    if ((req.headers.accept ?? '').includes('text/html')) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(page(req));
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ method: req.method, url: req.url, headers: req.headers }));
  });
  const wss = new WebSocketServer({ server });
  wss.on('connection', (socket, req) => {
    socket.send(JSON.stringify({ hello: req.headers['remote-user'] ?? null, headers: req.headers }));
    socket.on('message', (data) => socket.send(data.toString()));
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const address = server.address();
  const actual = typeof address === 'object' && address ? address.port : port;
  return {
    server,
    origin: `http://127.0.0.1:${actual}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of wss.clients) c.terminate();
        wss.close();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
