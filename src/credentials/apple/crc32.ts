/**
 * CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), the checksum both ZIP (APPNOTE.TXT
 * §4.4.7) and PNG (ISO/IEC 15948 §5.5) require. Node 20 has no zlib.crc32 (added in 20.15/22.2
 * only), so a 1 KiB table it is.
 */
const TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

export function crc32(data: Uint8Array, seed = 0): number {
  let c = (seed ^ 0xffffffff) >>> 0;
  for (let i = 0; i < data.length; i++) c = TABLE[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
