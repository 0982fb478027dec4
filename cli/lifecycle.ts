// Orderly shutdown for long-running commands: resources are stopped in reverse order of start, once, on Ctrl-C,
// SIGTERM or a failed start, so no child process (anvil, MPC-TLS parties) or socket outlives the command.

export type Stopper = () => Promise<void> | void;

export type Lifecycle = {
  /** Registers how to stop something just started; stopped last-in, first-out. */
  defer(name: string, stop: Stopper): void;
  /** Stops everything registered (idempotent; later calls await the first). */
  stop(): Promise<void>;
  /** Resolves when a signal arrives and everything is stopped. */
  untilSignal(): Promise<NodeJS.Signals>;
};

export function createLifecycle(onError: (name: string, error: unknown) => void = () => {}): Lifecycle {
  const stack: { name: string; stop: Stopper }[] = [];
  let stopping: Promise<void> | undefined;

  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      for (const { name, stop: s } of stack.reverse()) {
        try {
          await s();
        } catch (e) {
          onError(name, e);
        }
      }
    })();
    return stopping;
  };

  return {
    defer: (name, s) => void stack.push({ name, stop: s }),
    stop,
    untilSignal: () =>
      new Promise((resolve) => {
        const on = (signal: NodeJS.Signals) => {
          process.off('SIGINT', on);
          process.off('SIGTERM', on);
          void stop().then(() => resolve(signal));
        };
        process.on('SIGINT', on);
        process.on('SIGTERM', on);
      }),
  };
}
