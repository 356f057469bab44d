/**
 * The do-nothing HTTPS server the emulator bench compares against: same certificate, same response bodies, no work.
 * Run as a child process (like the emulator) so client and server never share an event loop.
 * argv: <cert.pem> <key.pem> <messagesPage.json>. Prints `listening <port>` once ready.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';

const [certPath, keyPath, pagePath] = process.argv.slice(2);
if (!certPath || !keyPath || !pagePath) {
  console.error('usage: emulator-null-server <cert.pem> <key.pem> <messagesPage.json>');
  process.exit(2);
}
const pageTemplate = readFileSync(pagePath, 'utf8');
const SENT = JSON.stringify({ id: '1700000000000' });
let pageBody = '';

const server = createServer({ cert: readFileSync(certPath), key: readFileSync(keyPath) }, (req, res) => {
  // Drain the body so the socket is reusable, then answer the fixed payload for the route.
  req.resume();
  req.on('end', () => {
    if (req.method === 'POST') {
      res.writeHead(201, {
        'content-type': 'application/json; charset=utf-8',
        location: `https://${req.headers.host}${req.url?.split('?')[0]}/1700000000000`,
        'content-length': Buffer.byteLength(SENT),
      });
      res.end(SENT);
    } else {
      res.writeHead(200, {
        'content-type': 'application/json; charset=utf-8',
        'content-length': Buffer.byteLength(pageBody),
      });
      res.end(pageBody);
    }
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  // The captured page's nextLink points at the emulator; point it at this server so the SDK keeps paging here.
  pageBody = pageTemplate.replace(/https:\/\/127\.0\.0\.1:\d+\//g, `https://127.0.0.1:${port}/`);
  process.stdout.write(`listening ${port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
