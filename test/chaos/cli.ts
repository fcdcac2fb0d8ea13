/**
 * Run a chaos command's main() and exit with its code: lingering sockets or
 * timers of closed tabs must not keep the run alive, and a crash exits 2.
 */
export function runMain(main: () => Promise<number>): void {
  main().then(
    (code) => {
      process.exitCode = code;
      setTimeout(() => process.exit(code), 200).unref();
    },
    (err: unknown) => {
      console.error(err instanceof Error ? (err.stack ?? err.message) : err);
      process.exit(2);
    },
  );
}
