// Where the API listens and what it says about it at start.
import { describe, expect, it } from 'vitest';
import { exposureNotice, isLoopback, localUrl } from './listen.js';

describe('the listen address', () => {
  it.each([
    ['127.0.0.1', true],
    ['127.1.2.3', true],
    ['localhost', true],
    ['::1', true],
    ['::ffff:127.0.0.1', true],
    ['0.0.0.0', false],
    ['::', false],
    ['192.168.1.20', false],
    ['10.0.0.1', false],
    ['my-laptop.local', false],
  ])('%s is loopback: %s', (host, loopback) => {
    expect(isLoopback(host)).toBe(loopback);
  });

  it('says a loopback server is reachable from this machine only, at info level', () => {
    expect(exposureNotice('127.0.0.1', 8080, true)).toEqual({
      level: 'info',
      message:
        'heimdex API listening on http://127.0.0.1:8080 (only this machine can reach it; HOST changes that). ' +
        'Open http://127.0.0.1:8080 in a browser to upload and search, or try `npm run cli -- --help`',
    });
    expect(exposureNotice('127.0.0.1', 8080, false).message).toBe(
      'heimdex API listening on http://127.0.0.1:8080 (only this machine can reach it; HOST changes that)',
    );
  });

  it.each(['0.0.0.0', '::', '192.168.1.20'])('warns loudly when standalone listens on %s', (host) => {
    const notice = exposureNotice(host, 8080, true);
    expect(notice.level).toBe('warn');
    expect(notice.message).toMatch(/OPEN TO THE NETWORK.*port 8080.*Unset HOST/);
  });

  it('only informs in cluster mode, where every interface is what a pod needs', () => {
    expect(exposureNotice('0.0.0.0', 8080, false)).toEqual({
      level: 'info',
      message: 'heimdex API listening on 0.0.0.0:8080',
    });
  });

  it.each([
    ['0.0.0.0', 'http://127.0.0.1:8080'],
    ['::', 'http://127.0.0.1:8080'],
    ['127.0.0.1', 'http://127.0.0.1:8080'],
    ['::1', 'http://[::1]:8080'],
    ['192.168.1.20', 'http://192.168.1.20:8080'],
  ])('calls itself on %s at %s', (host, url) => {
    expect(localUrl(host, 8080)).toBe(url);
  });
});
