/** A mistake in the command line: the command prints it and exits 2, as CI scripts expect. */
export class UsageError extends Error {}
