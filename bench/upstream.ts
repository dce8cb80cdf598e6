/**
 * The benchmark's upstream, a child process of bench/run.ts: node:http on loopback, keep-alive,
 * a small fixed JSON body. It keeps four counters, not a request log, so it costs the same
 * whichever proxy sits in front of it; bench/run.ts reads them to prove that every measured
 * request really reached it and, behind Portcullis, carried the identity and not the cookie.
 */
import { createServer } from 'node:http';
import { BODY, type ChildMessage, cpuMicros, ECHO_PATH, type ParentMessage, type UpstreamCounts } from './shared.ts';

const BODY_LENGTH = String(Buffer.byteLength(BODY));
const counts: UpstreamCounts = { total: 0, withIdentity: 0, leakedCookie: 0, connections: 0 };

const server = createServer({ keepAliveTimeout: 65_000 }, (req, res) => {
  counts.total++;
  if (req.headers['remote-user'] === 'alice') counts.withIdentity++;
  if (req.headers.cookie !== undefined) counts.leakedCookie++;
  if (req.url === ECHO_PATH) {
    const echo = JSON.stringify({ url: req.url, headers: req.headers });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(echo)) });
    res.end(echo);
    return;
  }
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': BODY_LENGTH });
  res.end(BODY);
});

server.on('connection', () => {
  counts.connections++;
});

const send = (m: ChildMessage) => process.send?.(m);
server.listen(0, '127.0.0.1', () => send({ type: 'ready', port: (server.address() as { port: number }).port }));
process.on('message', (m: ParentMessage) => {
  if (m.type === 'counts') {
    send({ type: 'counts', counts: { ...counts }, cpuMicros: cpuMicros() });
    counts.total = 0;
    counts.withIdentity = 0;
    counts.leakedCookie = 0;
    counts.connections = 0;
  } else if (m.type === 'close') {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  }
});
process.on('disconnect', () => process.exit(0));
