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

/** Whether an error (or the error it wraps) means the database could not be reached. */
export function isDatabaseUnavailable(err: unknown, depth = 0): boolean {
  if (!(err instanceof Error) || depth > 3) return false;
  if (OUTAGE_CLASSES.some((cls) => err instanceof cls)) return true;
  if (err instanceof mongoose.Error && BUFFERING_TIMED_OUT.test(err.message)) return true;
  return isDatabaseUnavailable(err.cause, depth + 1);
}
