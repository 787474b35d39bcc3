// Serves standalone mode's presigned URLs: PUT and GET /storage/<bucket>/<key>, checked for expiry and HMAC.
import express, { type Router } from 'express';
import { type LocalStore, verifySignature } from '../core/storage/local.js';
import { ApiError } from './errors.js';

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
    if (
      !Number.isInteger(expires) ||
      !verifySignature(secret, sig, method, bucket, objectKey, expires, ct, part)
    ) {
      throw new ApiError(
        'forbidden',
        'The signature of this storage URL does not match; ask the API for a new one.',
      );
    }
    if (expires < Date.now() / 1000)
      throw new ApiError('forbidden', 'This storage URL has expired; ask the API for a new one.');
    if (method === 'PUT' && ct && req.header('content-type') !== ct) {
      throw new ApiError('forbidden', `This URL was signed for Content-Type ${ct}.`);
    }
    return { bucket: String(bucket), key: objectKey };
  };
  router.put('/storage/:bucket/*key', async (req, res, next) => {
    try {
      const { bucket, key } = check('PUT', req);
      if (req.query.part) {
        await store.writePart(bucket, key, String(req.query.upload), Number(req.query.part), req);
        res.setHeader('ETag', `"${req.query.part}"`);
      } else {
        await store.writeStream(bucket, key, req, req.header('content-type') ?? undefined);
      }
      res.status(200).end();
    } catch (e) {
      next(
        (e as NodeJS.ErrnoException).code === 'ENOSPC'
          ? new ApiError(
              'insufficient_storage',
              'The disk holding heimdex data is full; free some space and upload again.',
            )
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
