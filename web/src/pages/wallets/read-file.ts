/** A chosen file as text (PEM, JSON) or as base64 (a .p12), read in the browser. */
export function readText(f: File): Promise<string> {
  return f.text();
}

export async function readBase64(f: File): Promise<string> {
  const bytes = new Uint8Array(await f.arrayBuffer());
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin);
}
