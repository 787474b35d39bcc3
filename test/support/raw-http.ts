// HTTP a well-behaved client never sends, for testing what a server does with it.
import { request } from 'node:http';

export interface RawAnswer {
  status: number;
  json: { code?: string; detail?: string };
  sent: number;
}
/**
 * A PUT from a client that does what fetch will not: announces one length and sends another, or sends
 * chunked without a length. It writes `body` in 64 KiB chunks and stops once the server answers.
 */
export function rawPut(
  url: string,
  body: Buffer,
  headers: Record<string, string | number>,
): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    let sent = 0;
    let answered = false;
    // A connection of its own: one left mid-body is the server's to cut, never to be reused.
    const req = request(url, { method: 'PUT', headers, agent: false }, (res) => {
      answered = true;
      let text = '';
      res.on('data', (c) => {
        text += c;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: text ? JSON.parse(text) : {}, sent }));
    });
    req.on('error', (e) => (answered ? undefined : reject(e)));
    const pump = () => {
      while (!answered && sent < body.length) {
        const chunk = body.subarray(sent, sent + 65536);
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', pump);
      }
      if (!answered) req.end();
    };
    pump();
  });
}

/** A PUT whose client sends `bytes` of the body, then goes away (closes the connection). */
export function cutPut(url: string, headers: Record<string, string | number>, bytes: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const req = request(url, { method: 'PUT', headers, agent: false });
    req.on('error', () => resolve());
    req.write(Buffer.alloc(bytes), () => setTimeout(() => req.destroy(), 200));
    req.on('close', () => resolve());
  });
}
