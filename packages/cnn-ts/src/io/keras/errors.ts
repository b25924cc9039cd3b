/** The error every Keras import failure throws: it names the file and what is wrong with it. */
export class KerasImportError extends Error {
  override readonly name = 'KerasImportError';
  /** Keras layer classes without an equivalent here (empty when that is not the problem). */
  unsupportedClasses: string[] = [];

  constructor(
    /** The file, URL or entry the problem is in. */
    readonly source: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`${source}: ${reason}`, options);
  }
}

/** A message for anything a library threw (jsfive throws plain strings). */
export function describe(e: unknown): string {
  if (e instanceof Error) return e.message;
  return typeof e === 'string' ? e : JSON.stringify(e);
}
