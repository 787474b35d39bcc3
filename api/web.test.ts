// Who may have standalone's local token: only the app opened on this machine, at a loopback address.
import { describe, expect, it } from 'vitest';
import { notLocalSameOrigin } from './web.js';

const req = (peer: string, headers: Record<string, string>) => ({
  socket: { remoteAddress: peer },
  header: (name: string) => headers[name.toLowerCase()],
});
const ok = { host: '127.0.0.1:8080', origin: 'http://127.0.0.1:8080', 'sec-fetch-site': 'same-origin' };

describe('the local token', () => {
  it('is given to a same-origin request from this machine', () => {
    expect(notLocalSameOrigin(req('127.0.0.1', ok))).toBeUndefined();
    expect(notLocalSameOrigin(req('::ffff:127.0.0.1', ok))).toBeUndefined();
    expect(
      notLocalSameOrigin(req('::1', { host: 'localhost:8080', origin: 'http://localhost:8080' })),
    ).toBeUndefined();
  });

  it('is refused to another machine, a proxy, a rebound name, another page or another site', () => {
    expect(notLocalSameOrigin(req('192.168.1.5', ok))).toMatch(/this machine/);
    expect(notLocalSameOrigin(req('127.0.0.1', { ...ok, 'x-forwarded-for': '10.0.0.1' }))).toMatch(/proxy/);
    expect(
      notLocalSameOrigin(
        req('127.0.0.1', { ...ok, host: 'evil.example:8080', origin: 'http://evil.example:8080' }),
      ),
    ).toMatch(/rather than evil.example/);
    expect(notLocalSameOrigin(req('127.0.0.1', { ...ok, origin: 'http://127.0.0.1:3000' }))).toMatch(
      /another page/,
    );
    expect(notLocalSameOrigin(req('127.0.0.1', { host: ok.host }))).toMatch(/another page/);
    expect(notLocalSameOrigin(req('127.0.0.1', { ...ok, 'sec-fetch-site': 'cross-site' }))).toMatch(
      /another site/,
    );
  });
});
