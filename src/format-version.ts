// Versions of what one gateway version writes and another may read: socket attachments, stored
// rows, the identity header and the calls between objects. Durable Objects take a deploy when they
// hibernate, so during a deploy (and after a rollback) an object meets what the version before or
// after it wrote. A reader reads every version up to its own and refuses a newer one cleanly,
// rather than guessing at its shape; a writer changes a format in two releases (docs/operations.md).

/** Something written by a newer gateway version than this one knows how to read. */
export class NewerFormatError extends Error {
  override readonly name = "NewerFormatError";
}

/** The version `what` was written in: absent means 1, written before formats were numbered. */
export function formatVersion(what: string, v: unknown, known: number): number {
  const version = v ?? 1;
  if (typeof version !== "number" || !Number.isInteger(version) || version < 1)
    throw new TypeError(`${what} has no valid format version (${String(v)})`);
  if (version > known)
    throw new NewerFormatError(
      `${what} is format ${version}, written by a newer gateway version (this one reads up to ${known})`,
    );
  return version;
}

/**
 * Checks a stored format version (`v` undefined: written before formats were numbered): a newer
 * one than `known` comes back as the error every use of those tables answers with, so this
 * version neither reads nor overwrites what a newer one wrote.
 */
export function newerFormat(what: string, v: unknown, known: number): NewerFormatError | undefined {
  try {
    formatVersion(what, v, known);
    return undefined;
  } catch (err) {
    if (err instanceof NewerFormatError) return err;
    throw err;
  }
}
