/**
 * gzip detection and a decompressor that runs in browsers and Node alike
 * (`DecompressionStream`, in Node since 18). Node code that wants a
 * synchronous path uses `node:zlib` in `data/node.ts` instead.
 */

/** The two bytes every gzip member starts with (RFC 1952, section 2.3.1). */
export const GZIP_MAGIC: readonly [number, number] = [0x1f, 0x8b];

/**
 * Whether `bytes` starts with the gzip magic number `1f 8b`.
 *
 * @example
 * isGzip(new Uint8Array([0x1f, 0x8b, 8, 0])); // true
 */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === GZIP_MAGIC[0] && bytes[1] === GZIP_MAGIC[1];
}

/**
 * Decompresses gzip data with the platform's `DecompressionStream`
 * (browsers, Deno, Node 18+). Bytes without the gzip magic are returned
 * unchanged, so callers can pass files whether or not they are compressed.
 *
 * @example
 * const raw = await gunzip(new Uint8Array(await (await fetch(url)).arrayBuffer()));
 */
export async function gunzip(bytes: Uint8Array, what = 'gzip'): Promise<Uint8Array> {
  if (!isGzip(bytes)) return bytes;
  if (typeof DecompressionStream === 'undefined') {
    throw new Error(`${what}: data is gzip-compressed but this platform has no DecompressionStream; decompress it first`);
  }
  // Copy into a fresh ArrayBuffer-backed view: Blob wants ArrayBuffer, not SharedArrayBuffer.
  const stream = new Blob([bytes.slice()]).stream().pipeThrough(new DecompressionStream('gzip'));
  try {
    return new Uint8Array(await new Response(stream).arrayBuffer());
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new Error(`${what}: gzip data of ${bytes.length} bytes is corrupt or truncated (${reason})`);
  }
}
