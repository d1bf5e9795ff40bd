// One pino logger for the process; request logs come from src/http/request-log.ts, which uses this logger.
// Production writes JSON lines, for a log collector to parse. Everywhere else the same records are
// printed as one readable line each ("[12:00:01] INFO: GET / 200 4 ms"), for a person at a terminal.
import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import pretty from 'pino-pretty';
import type { Config } from './config.js';

export type { Logger };

/** `destination` is stdout unless given (tests pass a stream to read what was logged). */
export function createLogger(config: Pick<Config, 'logLevel' | 'isProduction'>, destination?: DestinationStream): Logger {
  const options: LoggerOptions = {
    level: config.logLevel,
    // Never log credentials or session material, whatever a request or error carries.
    redact: {
      paths: ['req.headers.cookie', 'req.headers.authorization', 'req.headers["x-csrf-token"]', 'res.headers["set-cookie"]'],
      censor: '[redacted]',
    },
  };
  if (config.isProduction) return destination ? pino(options, destination) : pino(options);
  const readable = pretty({
    destination: destination ?? 1,
    // Colours only on a terminal that shows them; a file or pipe gets plain text.
    colorize: destination ? false : pretty.isColorSupported,
    translateTime: 'SYS:HH:MM:ss',
    // The request line already says method, path, status and time; pid and host are the same on every line.
    ignore: 'pid,hostname,req,res,responseTime',
    singleLine: true,
    // Written before the next statement runs, so a fatal message is not lost to the process.exit after it.
    sync: true,
  });
  return pino(options, readable);
}
