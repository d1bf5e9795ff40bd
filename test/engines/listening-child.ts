// The test servers Quire starts (mongo-java-server, the S3 stand-in) share one contract: started with a
// port of 0, they print `listening 127.0.0.1:<port>` on standard output once ready, and stop when their
// standard input closes (so they also stop if the test run dies). This is that contract, once.
import type { ChildProcessWithoutNullStreams } from 'node:child_process';

export interface ListeningChild {
  port: number;
  /** The last few kilobytes the server wrote to standard error (for messages). */
  stderr(): string;
  /** Closes its standard input and waits for it to exit (killed after 5 s). */
  stop(): Promise<void>;
}

/**
 * Waits for `child` to report its port. `describe(why, stderr)` names the server in the error when it
 * fails to start within `timeoutMs`, cannot be started, or exits first.
 */
export async function listeningChild(
  child: ChildProcessWithoutNullStreams,
  timeoutMs: number,
  describe: (why: string, stderr: string) => string,
): Promise<ListeningChild> {
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<void>((resolvePromise) => child.once('exit', () => resolvePromise()));
  const port = await new Promise<number>((resolvePromise, reject) => {
    let stdout = '';
    const fail = (why: string) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(describe(why, stderr)));
    };
    const timer = setTimeout(() => fail(`did not report its port within ${timeoutMs / 1000}s`), timeoutMs);
    child.once('error', (err) => fail(`could not start (${err.message})`));
    const early = (code: number | null) => fail(`exited with code ${code} before listening`);
    child.once('exit', early);
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /listening 127\.0\.0\.1:(\d+)/.exec(stdout);
      if (match) {
        clearTimeout(timer);
        child.removeListener('exit', early);
        resolvePromise(Number(match[1]));
      }
    });
  });
  return {
    port,
    stderr: () => stderr,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const force = setTimeout(() => child.kill('SIGKILL'), 5000);
      child.stdin.end();
      await exited;
      clearTimeout(force);
    },
  };
}
