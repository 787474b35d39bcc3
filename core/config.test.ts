import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig, requireS3 } from './config.js';

describe('configuration', () => {
  it('applies the documented defaults when nothing is set', () => {
    const config = parseConfig({});
    expect(config.PORT).toBe(8080);
    expect(config.MAX_VIDEO_SECONDS).toBe(600);
    expect(config.MAX_VIDEO_BYTES).toBe(1024 ** 3);
    expect(config.S3_BUCKET_UPLOADS).toBe('heimdex-uploads');
    expect(config.DATABASE_URL).toBeUndefined();
  });

  it('turns numeric strings into numbers', () => {
    const config = parseConfig({ PORT: '9090', MAX_VIDEO_SECONDS: '120' });
    expect(config.PORT).toBe(9090);
    expect(config.MAX_VIDEO_SECONDS).toBe(120);
  });

  it('names the variable that is wrong and what was given', () => {
    expect(() => parseConfig({ PORT: 'eighty' })).toThrow(/PORT: .*got "eighty"/);
    expect(() => parseConfig({ MAX_VIDEO_SECONDS: '0' })).toThrow(/MAX_VIDEO_SECONDS/);
    expect(() => parseConfig({ S3_ENDPOINT: 'not a url' })).toThrow(/S3_ENDPOINT: must be a URL/);
  });

  it('reports every problem at once rather than the first', () => {
    try {
      parseConfig({ PORT: '-1', LOG_LEVEL: 'loud' });
      expect.unreachable('parseConfig should have thrown');
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const names = (error as ConfigError).problems.map((p) => p.split(':')[0]);
      expect(names).toContain('PORT');
      expect(names).toContain('LOG_LEVEL');
    }
  });

  it('treats empty variables as unset', () => {
    expect(parseConfig({ DATABASE_URL: '  ', PORT: '' }).DATABASE_URL).toBeUndefined();
  });

  it('asks for the whole S3 set when storage is S3', () => {
    const config = parseConfig({ S3_ENDPOINT: 'http://127.0.0.1:9000' });
    expect(() => requireS3(config)).toThrow(/S3_ACCESS_KEY.*\n.*S3_SECRET_KEY/);
  });
});
