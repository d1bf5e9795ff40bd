// Which errors mean "the database is not answering" (down, restarting, unreachable), as opposed to a
// query it refused. The error handler answers those with 503 and Retry-After instead of a 500, and the
// short timeouts in connect.ts make them arrive within seconds.
import mongoose from 'mongoose';

const { MongoNetworkError, MongoServerSelectionError, MongoNotConnectedError, MongoTopologyClosedError, MongoServerClosedError } = mongoose.mongo;

// The driver's classes for a lost or unavailable server (a cleared pool, MongoPoolClearedError, is a
// MongoNetworkError), and Mongoose's for a failed first connection.
const OUTAGE_CLASSES = [
  MongoNetworkError,
  MongoServerSelectionError,
  MongoNotConnectedError,
  MongoTopologyClosedError,
  MongoServerClosedError,
  mongoose.Error.MongooseServerSelectionError,
];

// Mongoose queues operations while disconnected and then fails them with a plain MongooseError that only
// its message tells apart.
const BUFFERING_TIMED_OUT = /buffering timed out/;

// Node's own errors for a connection that failed or was cut. The driver passes some on unwrapped: a
// command written to a socket the engine had just closed (it was killed) fails with a plain Error, code
// EPIPE, "This socket has been ended by the other party", from Connection.writeCommand (seen with
// mongodb 6 against a killed FerretDB). Raised by any client (the database, SMTP, S3), they all mean
// "try again shortly", never a bug of the request.
const DROPPED_CONNECTION_CODES = new Set(['EPIPE', 'ECONNRESET', 'ECONNREFUSED', 'ECONNABORTED', 'ETIMEDOUT']);

/** Whether `err` or one of the errors it wraps (`cause`, a few levels down) passes `test`. */
function anyInCauseChain(err: unknown, test: (e: Error) => boolean): boolean {
  for (let e = err, depth = 0; e instanceof Error && depth <= 3; e = e.cause, depth++) if (test(e)) return true;
  return false;
}

/** Whether an error (or the error it wraps) is a connection to another service that failed or was cut. */
export function isConnectionDropped(err: unknown): boolean {
  return anyInCauseChain(err, (e) => {
    const code = (e as NodeJS.ErrnoException).code;
    return typeof code === 'string' && DROPPED_CONNECTION_CODES.has(code);
  });
}

/** Whether an error (or the error it wraps) means the database could not be reached. */
export function isDatabaseUnavailable(err: unknown): boolean {
  return anyInCauseChain(err, (e) => OUTAGE_CLASSES.some((cls) => e instanceof cls) || (e instanceof mongoose.Error && BUFFERING_TIMED_OUT.test(e.message)));
}
