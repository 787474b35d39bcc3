import { PassThrough } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { logFormat, prettyStream } from './log.js';

describe('log lines', () => {
  it('are JSON where a machine reads them and pretty on a terminal, unless LOG_FORMAT says', () => {
    expect(logFormat({}, false)).toBe('json');
    expect(logFormat({}, true)).toBe('pretty');
    expect(logFormat({ LOG_FORMAT: 'json' }, true)).toBe('json');
    expect(logFormat({ LOG_FORMAT: ' Pretty ' }, false)).toBe('pretty');
    expect(logFormat({ LOG_FORMAT: 'xml' }, false)).toBe('json');
  });

  it('read on a terminal as time, level, component and message; a request as method, path, status, time', async () => {
    const out = new PassThrough();
    let text = '';
    out.on('data', (d) => (text += d));
    const log = pino({ base: { component: 'api' } }, prettyStream(out));
    log.info({ port: 8080 }, 'heimdex API listening on http://127.0.0.1:8080');
    log.info(
      {
        req: { method: 'POST', url: '/videos/upload/init', headers: { authorization: 'Bearer x' } },
        res: { statusCode: 201, headers: { 'content-type': 'application/json' } },
        responseTime: 12,
        reqId: 'r1',
      },
      'request completed',
    );
    const lines = text.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(
      /^\[\d\d:\d\d:\d\d\] INFO: api: heimdex API listening on http:\/\/127\.0\.0\.1:8080 \{"port":8080\}$/,
    );
    expect(lines[1]).toMatch(/^\[\d\d:\d\d:\d\d\] INFO: api: POST \/videos\/upload\/init → 201 \(12 ms\)$/);
  });
});
