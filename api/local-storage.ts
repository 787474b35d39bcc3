// Serves standalone mode's presigned URLs: PUT and GET /storage/<bucket>/<key>, checked for expiry and HMAC.
// A PUT stores exactly the signed number of bytes or nothing: a longer body is refused at its first byte
// too many (413), a shorter one when it ends (422), and neither leaves a file behind.
import { PassThrough } from 'node:stream';
import express, { type Router } from 'express';
import { BodyLengthError } from '../core/storage/exact-length.js';
import { type LocalStore, verifySignature } from '../core/storage/local.js';
import { ApiError } from './errors.js';
import { uploadMessages as say } from './upload-messages.js';

/** How long a refused client's remaining body is read and dropped before its connection is closed. */
const REFUSED_GRACE_MS = 2000;

export function localStorageRouter(store: LocalStore, secret: string): Router {
  const router = express.Router();
  const check = (method: 'PUT' | 'GET', req: express.Request) => {
    const params = req.params as Record<string, string | string[]>;
    const bucket = String(params.bucket);
    const key = params.key;
    const objectKey = Array.isArray(key) ? key.join('/') : String(key);
    const expires = Number(req.query.expires);
    const sig = String(req.query.sig ?? '');
    const part = req.query.part ? `${req.query.upload}:${req.query.part}` : '';
    const ct = String(req.query.ct ?? '');
    const len = req.query.len === undefined ? '' : String(req.query.len);
    if (
      !Number.isInteger(expires) ||
      !verifySignature(secret, sig, method, bucket, objectKey, expires, ct, part, len)
    ) {
      throw new ApiError('forbidden', say.urlForged());
    }
    if (expires < Date.now() / 1000) throw new ApiError('forbidden', say.urlExpired());
    if (method === 'PUT' && ct && req.header('content-type') !== ct) {
      throw new ApiError('forbidden', say.urlContentType(ct));
    }
    // Every PUT URL the API hands out carries its size; one without could store anything.
    if (method === 'PUT' && !/^\d+$/.test(len)) throw new ApiError('forbidden', say.urlUnsized());
    return { bucket: String(bucket), key: objectKey, length: Number(len) };
  };
  router.put('/storage/:bucket/*key', async (req, res, next) => {
    // Whatever is refused is never stored. A client still sending must be able to read the answer: Node
    // closes a connection marked "close" as soon as the answer is flushed, and closing with request bytes
    // unread makes the kernel send a reset that can wipe the answer before the client reads it. So this
    // connection closes the way RFC 9112 (9.6) and nginx's lingering close do: half-closed after the
    // answer, what still arrives read and dropped, then closed when the client stops or after a grace period.
    const refuse = (error: unknown) => {
      if (!req.complete) {
        const socket = req.socket;
        res.setHeader('Connection', 'close'); // the body's framing is lost: the client must not reuse it
        socket.destroySoon = () => void socket.end();
        res.once('finish', () => {
          if (req.complete) return;
          const cut = setTimeout(() => socket.destroy(), REFUSED_GRACE_MS).unref();
          socket.once('close', () => clearTimeout(cut));
          req.resume();
        });
      }
      next(error);
    };
    let length: number;
    let target: { bucket: string; key: string };
    try {
      ({ length, ...target } = check('PUT', req));
      const announced = req.header('content-length');
      if (announced !== undefined && Number(announced) !== length)
        throw sizeError(
          new BodyLengthError(
            Number(announced) > length ? 'too_large' : 'too_short',
            length,
            Number(announced),
          ),
        );
    } catch (e) {
      return refuse(e);
    }
    // The store reads a copy of the body: when it stops early, the request (and its socket) stays open
    // long enough to carry the answer.
    const body = new PassThrough();
    req.pipe(body);
    req.once('close', () => {
      if (!req.complete) body.destroy(new Error('the client closed the connection before the body ended'));
    });
    try {
      if (req.query.part) {
        const part = Number(req.query.part);
        await store.writePart(target.bucket, target.key, String(req.query.upload), part, body, length);
        res.setHeader('ETag', `"${req.query.part}"`);
      } else {
        await store.writeStream(target.bucket, target.key, body, req.header('content-type'), length);
      }
      res.status(200).end();
    } catch (e) {
      req.unpipe(body);
      if (req.destroyed && !req.complete) return; // the client went away: nobody to answer, nothing kept
      refuse(
        e instanceof BodyLengthError
          ? sizeError(e)
          : (e as NodeJS.ErrnoException).code === 'ENOSPC'
            ? new ApiError('insufficient_storage', say.diskFull())
            : e,
      );
    }
  });
  router.get('/storage/:bucket/*key', (req, res, next) => {
    try {
      const { bucket, key } = check('GET', req);
      const filename = req.query.filename ? String(req.query.filename) : undefined;
      if (filename)
        res.setHeader('Content-Disposition', `inline; filename*=UTF-8''${encodeURIComponent(filename)}`);
      // sendFile answers Range requests, so a player can seek to a scene.
      res.sendFile(store.path(bucket, key), { dotfiles: 'allow' }, (err) => {
        if (err && !res.headersSent) next(new ApiError('not_found', 'No such object.'));
      });
    } catch (e) {
      next(e);
    }
  });
  return router;
}

function sizeError(e: BodyLengthError): ApiError {
  return e.kind === 'too_large'
    ? new ApiError('payload_too_large', say.bodyTooLarge(e.expected))
    : new ApiError('upload_size_mismatch', say.bodyTooShort(e.expected, e.received));
}
