// Graceful stop for an HTTP server: stop accepting, let requests in flight finish (up to a grace period,
// after which their connections are closed), then run the cleanup (close the database, stop the engine).
import type { Server } from 'node:http';

export async function closeGracefully(server: Server, cleanup: () => Promise<void>, graceMs = 10_000): Promise<void> {
  const force = setTimeout(() => server.closeAllConnections(), graceMs);
  force.unref();
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    // Idle keep-alive sockets would otherwise hold close() open until they time out.
    server.closeIdleConnections();
  });
  clearTimeout(force);
  await cleanup();
}
