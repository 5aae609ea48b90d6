/**
 * Methods that change nothing on the server (RFC 9110 §9.2.1): the only ones ever sent to a
 * backend's real path as a shadow. Any other is a write, mirrored only as a dry run.
 */
export const safeMethods: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE']);

/** True for a method that may change something: mirrored to a shadow only as a dry run. */
export const isWrite = (method: string): boolean => !safeMethods.has(method.toUpperCase());

/** The header that asks a backend to answer a write as a dry run. Only the gateway sets it. */
export const dryRunHeader = 'x-fig-dry-run';
