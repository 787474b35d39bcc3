// What the HTTP server answers before express sees a request: headers too large, or not HTTP at all.
// Node's own answer is an empty 431 or 400; a client gets an RFC 9457 problem like everywhere else.
import { maxHeaderSize, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { ApiError, problemOf } from './errors.js';

/** Makes `server` answer malformed and oversized requests with a problem body, then close the connection. */
export function answerClientErrors(server: Server): Server {
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    // A peer that went away, or a response already on its way, leaves nothing to say.
    if (err.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const error =
      err.code === 'HPE_HEADER_OVERFLOW'
        ? new ApiError(
            'headers_too_large',
            // Node's limit on all headers together: 16 KiB unless --max-http-header-size says otherwise.
            `The request headers are larger than ${maxHeaderSize / 1024} KiB; send fewer or shorter headers (cookies, tokens).`,
          )
        : new ApiError('bad_request', 'The request is not valid HTTP.');
    const body = JSON.stringify(problemOf(error));
    socket.end(
      `HTTP/1.1 ${error.status} ${error.status === 431 ? 'Request Header Fields Too Large' : 'Bad Request'}\r\n` +
        'Content-Type: application/problem+json\r\n' +
        `Content-Length: ${Buffer.byteLength(body)}\r\n` +
        'Connection: close\r\n\r\n' +
        body,
    );
  });
  return server;
}
