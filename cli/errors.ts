/**
 * What the CLI prints when a command fails: one clear line (and the hints of a BigMap
 * error), never a stack trace for a user mistake; `--verbose` adds the details and the
 * chain of causes. Each kind of failure has its own exit code.
 */
import { BigMapError } from '../client/index.ts';

export const EXIT = {
  failure: 1,
  usage: 2,
  unreachable: 3,
  unauthorized: 4,
  invalidInput: 5,
  conflict: 6,
} as const;

/** A mistake the user can fix, reported as is. */
export class CliError extends Error {
  override name = 'CliError';
  readonly exitCode: number;
  constructor(message: string, exitCode: number = EXIT.failure) {
    super(message);
    this.exitCode = exitCode;
  }
}

export function exitCodeOf(error: unknown): number {
  if (error instanceof CliError) return error.exitCode;
  switch (error instanceof BigMapError ? error.name : '') {
    case 'TransportError':
    case 'RpcUnreachableError':
      return EXIT.unreachable;
    case 'InvalidRpcUrlError':
    case 'ImportRangeError':
      return EXIT.usage;
    case 'ChainMismatchError':
      return EXIT.conflict;
    case 'IdentityFileError':
      return EXIT.usage;
    case 'UnauthorizedError':
      return EXIT.unauthorized;
    case 'InvalidKeyError':
    case 'KeyTooLargeError':
    case 'ValueTooLargeError':
      return EXIT.invalidInput;
    case 'ConflictError':
      return EXIT.conflict;
    default:
      return EXIT.failure;
  }
}

/** The lines to print for `error`. */
export function renderError(error: unknown, verbose: boolean): string {
  const lines: string[] = [];
  if (error instanceof BigMapError) {
    lines.push(`bigmap: ${error.shortMessage}`, ...error.metaMessages.map((m) => `  ${m}`));
    if (verbose) {
      if (error.details) lines.push(`  Details: ${error.details}`);
      let cause = error.cause;
      while (cause) {
        lines.push(`  Caused by: ${cause instanceof Error ? cause.message : String(cause)}`);
        cause = cause instanceof Error ? cause.cause : undefined;
      }
    } else if (error.details) {
      lines.push(`  ${error.details.split('\n')[0]}`);
    }
  } else if (error instanceof CliError) {
    lines.push(`bigmap: ${error.message}`);
  } else {
    lines.push(`bigmap: ${error instanceof Error ? error.message : String(error)}`);
    if (verbose && error instanceof Error && error.stack) lines.push(error.stack);
  }
  return lines.join('\n');
}
