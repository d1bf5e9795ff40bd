// Keeps a child process (the embedded FerretDB) running: if it dies without being asked to stop, it is
// started again with the same command line (same port, same data folder), so Quire recovers from a crash
// or an OOM kill of its database without a restart of its own. Requests made meanwhile fail fast with 503
// (db/outage.ts), and the driver finds the server again once it listens.
//
// A process that keeps dying at once (a broken binary, a port taken by someone else) is not restarted
// for ever: after as many failures in a row as there are restart delays, each within STABLE_AFTER_MS of
// its start, it is given up
// and logged as an error; the rest of Quire keeps answering 503 for pages that need the database.
import { spawn, type ChildProcess } from 'node:child_process';
import type { Logger } from '../logger.js';

const RESTART_DELAYS_MS = [250, 1_000, 3_000, 10_000];
const STABLE_AFTER_MS = 30_000;

export interface SupervisedOptions {
  /** For the log: "FerretDB". */
  name: string;
  command: string;
  args: string[];
  logger: Logger;
  /** Resolves once a freshly spawned process is ready to serve, rejects if it will not be. */
  ready(child: ChildProcess): Promise<void>;
  /** The wait before each restart after quick failures in a row; the default suits production. */
  restartDelaysMs?: number[] | undefined;
}

export class SupervisedProcess {
  private child: ChildProcess | undefined;
  private stderr = '';
  private startedAt = 0;
  private quickFailures = 0;
  private stopping = false;
  private restartTimer: NodeJS.Timeout | undefined;
  // The process must not outlive us, even when we exit without a graceful shutdown.
  private readonly killOnExit = () => this.child?.kill('SIGKILL');

  constructor(private readonly options: SupervisedOptions) {}

  /** Starts the first process; rejects (with its last error lines) when it does not become ready. */
  async start(): Promise<void> {
    process.once('exit', this.killOnExit);
    try {
      await this.launch();
    } catch (err) {
      process.removeListener('exit', this.killOnExit);
      throw err;
    }
  }

  /** The running process's id (tests kill it to check the restart). */
  get pid(): number | undefined {
    return this.child?.exitCode === null && this.child.signalCode === null ? this.child.pid : undefined;
  }

  /** Stops the process for good: SIGTERM, then SIGKILL after 5 s. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    process.removeListener('exit', this.killOnExit);
    if (this.child) await stopChild(this.child);
  }

  private async launch(): Promise<void> {
    const { command, args, ready } = this.options;
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    this.child = child;
    this.stderr = '';
    this.startedAt = Date.now();
    child.stderr?.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString()).slice(-4000);
    });
    child.on('error', () => undefined); // reported through 'exit' or by ready()
    try {
      await ready(child);
    } catch (err) {
      child.removeAllListeners('exit');
      child.kill('SIGKILL');
      throw new Error(`${firstLine(err)}${this.lastErrorLines()}`);
    }
    child.once('exit', (code, signal) => this.exited(child, code, signal));
  }

  private exited(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.stopping || child !== this.child) return;
    const how = signal ? `was killed (${signal})` : `exited with code ${code}`;
    this.scheduleRestart(`${how} unexpectedly${this.lastErrorLines()}`);
  }

  private scheduleRestart(what: string): void {
    const { logger, name } = this.options;
    const ranMs = Date.now() - this.startedAt;
    const delays = this.options.restartDelaysMs ?? RESTART_DELAYS_MS;
    this.quickFailures = ranMs < STABLE_AFTER_MS ? this.quickFailures + 1 : 1;
    if (this.quickFailures > delays.length) {
      logger.error(
        `${name} ${what}. It failed ${delays.length} times in a row soon after starting, so it is not ` +
          'restarted again: restart Quire once the cause is fixed.',
      );
      return;
    }
    const delay = delays[this.quickFailures - 1]!;
    logger.warn(`${name} ${what}; restarting it in ${delay} ms`);
    this.restartTimer = setTimeout(() => void this.restart(), delay);
    this.restartTimer.unref();
  }

  private async restart(): Promise<void> {
    if (this.stopping) return;
    try {
      await this.launch();
      this.options.logger.info(`${this.options.name} restarted (pid ${this.child?.pid})`);
    } catch (err) {
      if (!this.stopping) this.scheduleRestart(`could not be restarted (${firstLine(err)})`);
    }
  }

  private lastErrorLines(): string {
    const lines = this.stderr.trim().split('\n').filter(Boolean).slice(-3);
    return lines.length ? `: ${lines.join(' | ')}` : '';
  }
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolvePromise) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(force);
      resolvePromise();
    });
    child.kill('SIGTERM');
  });
}

function firstLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.split('\n')[0]!.trim();
}
