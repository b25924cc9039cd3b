/**
 * Reading the zip container of a Keras 3 `.keras` file with fflate: small,
 * synchronous, the same code in Node and browsers, loaded only when a
 * `.keras` file is read. Only the named entries are inflated.
 */
import { KerasImportError, describe } from './errors.js';

export function isZip(bytes: Uint8Array): boolean {
  // A local file header, or the end-of-central-directory record of an empty archive.
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b &&
    ((bytes[2] === 0x03 && bytes[3] === 0x04) || (bytes[2] === 0x05 && bytes[3] === 0x06));
}

/** The entries of a zip archive whose names are in `wanted`, and the names of all entries. */
export async function unzipEntries(bytes: Uint8Array, wanted: readonly string[], source: string): Promise<{ entries: Record<string, Uint8Array>; names: string[] }> {
  const { unzipSync } = await import('fflate');
  const names: string[] = [];
  try {
    const entries = unzipSync(bytes, {
      filter: (f) => {
        names.push(f.name);
        return wanted.includes(f.name);
      },
    });
    return { entries, names };
  } catch (e) {
    throw new KerasImportError(source, `not a readable zip archive, so not a .keras file (${describe(e)})`, { cause: e });
  }
}
