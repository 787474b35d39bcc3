// The one pino logger factory, a component name on every line. JSON lines to stdout where a machine reads them
// (clusters, log shippers, pipes); on a terminal, readable lines (time, level, message, the few fields that
// matter) through pino-pretty. LOG_FORMAT=json or pretty decides instead of the terminal test.
import { type DestinationStream, type Logger, pino } from 'pino';
import pretty from 'pino-pretty';

export type { Logger };

export type LogFormat = 'json' | 'pretty';

/** `LOG_FORMAT` when it says json or pretty; otherwise pretty exactly when stdout is a terminal. */
export function logFormat(
  env: Record<string, string | undefined> = process.env,
  isTTY = Boolean(process.stdout.isTTY),
): LogFormat {
  const asked = env.LOG_FORMAT?.trim().toLowerCase();
  if (asked === 'json' || asked === 'pretty') return asked;
  return isTTY ? 'pretty' : 'json';
}

/**
 * How a line reads on a terminal: "21:04:05 INFO  api: message", a request as "POST /videos/upload/init →
 * 201 (12 ms)", and none of the request and response objects (headers, ids) a JSON line carries in full.
 */
export function prettyStream(destination?: NodeJS.WritableStream): DestinationStream {
  return pretty({
    sync: true,
    colorize: !destination && Boolean(process.stdout.isTTY) && !process.env.NO_COLOR,
    translateTime: 'SYS:HH:MM:ss',
    ignore: 'pid,hostname,name,component,req,res,responseTime,reqId,err.stack',
    singleLine: true,
    messageFormat: (line) => {
      const { component, req, res, responseTime, msg } = line as PrettyLine;
      const what = req?.method ? `${req.method} ${req.url} → ${res?.statusCode} (${responseTime} ms)` : msg;
      return component ? `${component}: ${what}` : String(what);
    },
    ...(destination ? { destination } : {}),
  });
}

interface PrettyLine {
  component?: string;
  msg?: string;
  req?: { method?: string; url?: string };
  res?: { statusCode?: number };
  responseTime?: number;
}

export function createLogger(component: string, level: string = process.env.LOG_LEVEL ?? 'info'): Logger {
  const options = {
    name: component,
    level,
    base: { component },
    timestamp: pino.stdTimeFunctions.isoTime,
    // Credentials travel in config and headers; never let them reach a log line.
    redact: {
      paths: ['*.password', '*.secret', '*.token', 'req.headers.authorization', '*.S3_SECRET_KEY'],
      remove: true,
    },
  };
  return logFormat() === 'pretty' ? pino(options, prettyStream()) : pino(options);
}
