import type { Logger } from "pino";

/** What the drain needs of a Fastify instance (registry or admission server). */
export interface DrainableServer {
  close(): PromiseLike<unknown>;
  readonly server: { closeIdleConnections(): void; closeAllConnections(): void };
}

export interface DrainOptions {
  readonly app: DrainableServer;
  readonly logger: Logger;
  /** How long requests in flight may take to finish (`server.shutdownTimeout`) before their connections are cut. */
  readonly shutdownTimeoutMs: number;
  /** Stops background work as soon as the signal comes (serve's jobs, the webhook's policy reloads). */
  readonly stopWork?: () => void;
  /** What SIGHUP does until then (look at the policy files now). */
  readonly onHangup?: () => void;
  /**
   * Closes the services once the last request has finished: the final audit checkpoint, then the
   * database (Platform.close, WebhookServices.close).
   */
  readonly close: () => Promise<void>;
}

/**
 * Serves until SIGTERM or SIGINT, then shuts down as an orchestrator expects, for `serve` and `admission
 * serve` alike: stop listening, let every request in flight finish (for at most `shutdownTimeoutMs`),
 * then close the services; resolves with the exit code (0, or 1 when closing failed). A second signal
 * changes nothing: the first shutdown is already under way.
 */
export function serveUntilStopped(options: DrainOptions): Promise<number> {
  const { app, logger } = options;
  const hangup = options.onHangup;
  if (hangup) process.on("SIGHUP", hangup);
  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      if (hangup) process.off("SIGHUP", hangup);
      logger.info({ signal }, "shutting down: finishing requests in flight");
      options.stopWork?.();
      const force = setTimeout(() => {
        logger.warn("shutdown timed out; closing remaining connections");
        app.server.closeAllConnections();
      }, options.shutdownTimeoutMs);
      force.unref();
      // close() ends the connections idle at that moment; a keep-alive connection whose request
      // finishes afterwards would otherwise linger until its keep-alive timeout (a minute or more).
      const sweep = setInterval(() => app.server.closeIdleConnections(), 100);
      sweep.unref();
      Promise.resolve(app.close())
        .finally(() => clearInterval(sweep))
        .then(() => options.close())
        .then(
          () => resolve(0),
          (err: unknown) => {
            logger.error({ err }, "shutdown failed");
            resolve(1);
          },
        );
    };
    process.once("SIGTERM", () => stop("SIGTERM"));
    process.once("SIGINT", () => stop("SIGINT"));
  });
}
