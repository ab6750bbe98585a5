export { openSecretKey, keyFilePath, type SecretKey, type SecretKeySettings, type SecretKeySource } from './secret-key.js';
export { rotateSecrets, type RotationResult } from './rotation.js';
export { KEY_FILE_NAME, KeyFile, createKeyFile, newKey, readKeyFile, writeKeyFile } from './key-file.js';
