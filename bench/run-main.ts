/** How a bench script ends: its exit code, or 1 with the error printed. */

/**
 * Runs a bench's `main` and sets the process exit code from it (or 1 after printing what it threw).
 * @example
 * runMain(main);
 */
export function runMain(main: () => Promise<number>): void {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
