/**
 * What the CLI's commands share, in a module of its own so that `cli.ts` and
 * the commands it loads on demand (`prCommand.ts`) do not import each other.
 */

/** Where the CLI writes: the process's streams, or a test's. */
export interface CliIo {
  stdout: Pick<NodeJS.WriteStream, 'write' | 'isTTY'>;
  stderr: Pick<NodeJS.WriteStream, 'write' | 'isTTY'>;
}

/** A mistake in the command line: the CLI prints it with the usage and exits 2. */
export class UsageError extends Error {}
