/** A webhook receiver on loopback for tests: records every request, answers what the test says. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
  readonly deliveryId: string;
  readonly eventId: number | null;
  readonly json: { id: number | null; type: string; subject: string | null; payload: Record<string, unknown> };
}

export interface Answer {
  readonly status: number;
  readonly body?: string;
  readonly headers?: Readonly<Record<string, string | undefined>>;
  readonly delayMs?: number;
}

export interface Receiver {
  readonly url: string;
  readonly port: number;
  readonly received: Received[];
  /** What to answer a request (default 200 "ok"). */
  answer: (r: Received) => Answer;
  /** Resolves once `pred` holds of what was received (checked on each request). */
  until(pred: (r: readonly Received[]) => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const received: Received[] = [];
  const waiters = new Set<() => void>();
  const rec: Receiver = {
    url: '', port: 0, received, answer: () => ({ status: 200, body: 'ok' }),
    until: (pred, timeoutMs = 60_000) => new Promise<void>((resolve, reject) => {
      if (pred(received)) return resolve();
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`receiver: condition not met after ${timeoutMs} ms (${received.length} received)`));
      }, timeoutMs);
      const check = () => {
        if (!pred(received)) return;
        clearTimeout(timer);
        waiters.delete(check);
        resolve();
      };
      waiters.add(check);
    }),
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let json: Received['json'];
      try {
        json = JSON.parse(body) as Received['json'];
      } catch {
        json = { id: null, type: '', subject: null, payload: {} };
      }
      const r: Received = { headers: req.headers, body, deliveryId: String(req.headers['muster-delivery-id'] ?? ''), eventId: json.id, json };
      received.push(r);
      const a = rec.answer(r);
      const send = () => {
        res.writeHead(a.status, Object.fromEntries(Object.entries({ 'content-type': 'text/plain', ...a.headers }).filter(([, v]) => v !== undefined)) as Record<string, string>);
        res.end(a.body ?? '');
        for (const w of [...waiters]) w();
      };
      if (a.delayMs) setTimeout(send, a.delayMs);
      else send();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as AddressInfo).port;
  Object.assign(rec, { url: `http://127.0.0.1:${port}/hook`, port });
  return rec;
}
