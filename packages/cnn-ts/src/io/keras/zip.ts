/**
 * Reading the zip container of a Keras 3 `.keras` file with fflate: small,
 * synchronous, the same code in Node and browsers, loaded only when a
 * `.keras` file is read. Only the named entries are inflated. fflate does not
 * check the CRC-32 of what it extracts, and Keras stores entries
 * uncompressed, so a damaged byte would load silently as a wrong weight:
 * the entries read are checked against the CRCs of the central directory.
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
  const sizes = new Map<string, number>();
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(bytes, {
      filter: (f) => {
        names.push(f.name);
        sizes.set(f.name, f.originalSize);
        return wanted.includes(f.name);
      },
    });
  } catch (e) {
    throw new KerasImportError(source, `not a readable zip archive, so not a .keras file (${describe(e)})`, { cause: e });
  }
  const crcs = centralDirectoryCrcs(bytes);
  for (const [name, data] of Object.entries(entries)) {
    if (data.length !== sizes.get(name)) {
      throw new KerasImportError(source, `zip entry ${name} is cut short: ${data.length} of ${sizes.get(name)} bytes (truncated or corrupt file)`);
    }
    const want = crcs.get(name);
    if (want !== undefined && crc32(data) !== want) {
      throw new KerasImportError(source, `zip entry ${name} is corrupt: its CRC-32 does not match the archive's`);
    }
  }
  return { entries, names };
}

/** CRC-32 of every entry, from the central directory (fflate has already validated its layout). */
function centralDirectoryCrcs(bytes: Uint8Array): Map<string, number> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Map<string, number>();
  let eocd = bytes.length - 22;
  while (eocd > 0 && view.getUint32(eocd, true) !== 0x06054b50) eocd--;
  if (eocd <= 0) return out;
  const count = view.getUint16(eocd + 10, true);
  let p = view.getUint32(eocd + 16, true);
  for (let i = 0; i < count && p + 46 <= bytes.length && view.getUint32(p, true) === 0x02014b50; i++) {
    const nameLen = view.getUint16(p + 28, true);
    const name = new TextDecoder().decode(bytes.subarray(p + 46, p + 46 + nameLen));
    out.set(name, view.getUint32(p + 16, true));
    p += 46 + nameLen + view.getUint16(p + 30, true) + view.getUint16(p + 32, true);
  }
  return out;
}

let crcTables: Uint32Array[] | undefined;

/** CRC-32 (zip's), slicing by 8 bytes: table k holds the CRC of a byte followed by k zero bytes. */
export function crc32(data: Uint8Array): number {
  if (!crcTables) {
    const t0 = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      t0[n] = c >>> 0;
    }
    crcTables = [t0];
    for (let k = 1; k < 8; k++) {
      const prev = crcTables[k - 1]!;
      const t = new Uint32Array(256);
      for (let n = 0; n < 256; n++) t[n] = (t0[prev[n]! & 0xff]! ^ (prev[n]! >>> 8)) >>> 0;
      crcTables.push(t);
    }
  }
  const [t0, t1, t2, t3, t4, t5, t6, t7] = crcTables as [Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array];
  let c = 0xffffffff;
  let i = 0;
  for (const end = data.length - 7; i < end; i += 8) {
    const lo = (c ^ (data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24))) >>> 0;
    c = t7[lo & 0xff]! ^ t6[(lo >>> 8) & 0xff]! ^ t5[(lo >>> 16) & 0xff]! ^ t4[lo >>> 24]! ^
      t3[data[i + 4]!]! ^ t2[data[i + 5]!]! ^ t1[data[i + 6]!]! ^ t0[data[i + 7]!]!;
  }
  for (; i < data.length; i++) c = t0[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
