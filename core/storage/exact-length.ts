// A stream that lets through exactly the number of bytes a signed URL allows: it fails at the first byte
// beyond it (so a writer behind it never stores more) and at the end when fewer arrived.
import { Transform } from 'node:stream';

export class BodyLengthError extends Error {
  override readonly name = 'BodyLengthError';
  constructor(
    readonly kind: 'too_large' | 'too_short',
    /** Bytes the URL was signed for. */
    readonly expected: number,
    /** Bytes seen: for too_large, at least expected + 1 (reading stopped there). */
    readonly received: number,
  ) {
    super(
      kind === 'too_large'
        ? `the body is larger than the ${expected} bytes this URL was signed for`
        : `the body has ${received} bytes but this URL was signed for ${expected}`,
    );
  }
}

export function exactLength(expected: number): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      seen += chunk.length;
      if (seen > expected) return done(new BodyLengthError('too_large', expected, seen));
      done(null, chunk);
    },
    flush(done) {
      done(seen < expected ? new BodyLengthError('too_short', expected, seen) : null);
    },
  });
}
