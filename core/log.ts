// The one pino logger factory: JSON lines to stdout, a component name on every line.
import { type Logger, pino } from 'pino';

export type { Logger };

export function createLogger(component: string, level: string = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({
    name: component,
    level,
    base: { component },
    timestamp: pino.stdTimeFunctions.isoTime,
    // Credentials travel in config and headers; never let them reach a log line.
    redact: {
      paths: ['*.password', '*.secret', '*.token', 'req.headers.authorization', '*.S3_SECRET_KEY'],
      remove: true,
    },
  });
}
