import { once } from 'node:events';
import { createServer } from 'node:http';
import { RunNotification } from '../../src/domain/notifications';

/** A webhook that answers each event with the scripted statuses in turn (then 200) and keeps what it was sent. */
export async function startWebhook(script: Partial<Record<RunNotification['event'], number[]>>) {
  const received: { body: RunNotification; status: number }[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = RunNotification.parse(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      const status = script[body.event]?.shift() ?? 200;
      received.push({ body, status });
      res.writeHead(status).end();
    });
  }).listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}/hook/secret-path`, received, close: () => server.close() };
}
