/** Apple Wallet passes: pure building blocks (no storage, no HTTP server, no config). */
export { buildPkpass, logos, thumbnails, type Pkpass, type PkpassInput } from './pkpass.js';
export { hexToRgb, passJson, type PassContent, type PassField, type RGB } from './pass-json.js';
export { certificateInfo, readUpload, PassCertificateError, type CertificateInfo, type PassSigningMaterial, type UploadedCertificate } from './pass-certificate.js';
export { signManifest } from './pass-signature.js';
export { zip, type ZipEntry } from './zip-writer.js';
export { crc32 } from './crc32.js';
