import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { WebSocketServer } from 'ws';

export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
}

/**
 * A real upstream on loopback that records what reached it and echoes it back as JSON;
 * WebSocket connections get their handshake headers as the first message, then an echo.
 */
export async function startUpstream(): Promise<{
  origin: string;
  port: number;
  seen: SeenRequest[];
  wsSeen: SeenRequest[];
  close(): Promise<void>;
}> {
  const seen: SeenRequest[] = [];
  const wsSeen: SeenRequest[] = [];
  const server: Server = createServer((req, res) => {
    const entry = { method: req.method ?? '', url: req.url ?? '', headers: req.headers };
    seen.push(entry);
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json', 'x-upstream': 'yes' });
      res.end(JSON.stringify(entry));
    });
  });
  const wss = new WebSocketServer({ server });
  wss.on('connection', (socket, req) => {
    const entry = { method: 'GET', url: req.url ?? '', headers: req.headers };
    wsSeen.push(entry);
    socket.send(JSON.stringify(entry));
    socket.on('message', (data) => socket.send(`echo:${data.toString()}`));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    origin: `http://127.0.0.1:${port}`,
    port,
    seen,
    wsSeen,
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of wss.clients) c.terminate();
        wss.close();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
