/**
 * A minimal POSIX ustar archive (IEEE Std 1003.1-2001, "pax" chapter, ustar interchange format):
 * regular files only, written and read in 512-byte blocks, streamed from and to disk so that a
 * database of gigabytes never sits in memory. A Muster backup is such an archive, so an operator
 * can list and unpack it with `tar -tvf` / `tar -xf` without Muster (docs/operations.md#backups).
 * No dependency: the format is small, and the only one available in node_modules is transitive.
 */
import fs from 'node:fs';
import { createHash } from 'node:crypto';

const BLOCK = 512;
/** The ustar size field holds 11 octal digits: files up to 8 GiB. */
export const MAX_ENTRY_BYTES = 8 ** 11 - 1;

export class TarError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TarError';
  }
}

function octal(n: number, width: number): string {
  return n.toString(8).padStart(width - 1, '0') + '\0';
}

function header(name: string, size: number, mode: number, mtime: Date): Buffer {
  if (Buffer.byteLength(name) > 100 || !/^[A-Za-z0-9._-]+$/.test(name)) throw new TarError(`archive entry name not allowed: ${name}`);
  if (size > MAX_ENTRY_BYTES) throw new TarError(`${name} is larger than 8 GiB, the most a ustar entry holds`);
  const h = Buffer.alloc(BLOCK, 0);
  h.write(name, 0, 100, 'utf8');
  h.write(octal(mode & 0o7777, 8), 100, 8, 'ascii');
  h.write(octal(0, 8), 108, 8, 'ascii'); // uid
  h.write(octal(0, 8), 116, 8, 'ascii'); // gid
  h.write(octal(size, 12), 124, 12, 'ascii');
  h.write(octal(Math.floor(mtime.getTime() / 1000), 12), 136, 12, 'ascii');
  h.write('        ', 148, 8, 'ascii'); // checksum counted as spaces
  h.write('0', 156, 1, 'ascii'); // regular file
  h.write('ustar\0', 257, 6, 'ascii');
  h.write('00', 263, 2, 'ascii');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(octal(sum, 7) + ' ', 148, 8, 'ascii');
  return h;
}

/** Writes an archive entry by entry to an open file descriptor. */
export class TarWriter {
  constructor(private readonly fd: number) {}

  /** Adds a file's bytes from memory. */
  addBuffer(name: string, data: Buffer, mode = 0o600, mtime = new Date()): void {
    fs.writeSync(this.fd, header(name, data.length, mode, mtime));
    fs.writeSync(this.fd, data);
    this.pad(data.length);
  }

  /** Adds a file from disk, copied in chunks; answers its SHA-256 (hex). */
  addFile(name: string, file: string, mode = 0o600): string {
    const st = fs.statSync(file);
    fs.writeSync(this.fd, header(name, st.size, mode, st.mtime));
    const hash = createHash('sha256');
    const src = fs.openSync(file, 'r');
    try {
      const buf = Buffer.alloc(1 << 20);
      let done = 0;
      while (done < st.size) {
        const n = fs.readSync(src, buf, 0, Math.min(buf.length, st.size - done), done);
        if (n === 0) throw new TarError(`${file} became shorter while it was archived`);
        hash.update(buf.subarray(0, n));
        fs.writeSync(this.fd, buf, 0, n);
        done += n;
      }
    } finally {
      fs.closeSync(src);
    }
    this.pad(st.size);
    return hash.digest('hex');
  }

  /** The two zero blocks that end an archive. */
  end(): void {
    fs.writeSync(this.fd, Buffer.alloc(BLOCK * 2, 0));
  }

  private pad(size: number): void {
    const rest = size % BLOCK;
    if (rest) fs.writeSync(this.fd, Buffer.alloc(BLOCK - rest, 0));
  }
}

export interface TarEntry {
  readonly name: string;
  readonly size: number;
  /** Where its bytes start in the archive. */
  readonly offset: number;
}

function field(h: Buffer, start: number, len: number): string {
  const raw = h.subarray(start, start + len);
  const end = raw.indexOf(0);
  return raw.subarray(0, end === -1 ? len : end).toString('utf8');
}

/** Lists a ustar archive's regular files (checking every header's checksum); other entry types are refused. */
export function listEntries(file: string): TarEntry[] {
  const fd = fs.openSync(file, 'r');
  try {
    const total = fs.fstatSync(fd).size;
    const out: TarEntry[] = [];
    const h = Buffer.alloc(BLOCK);
    let pos = 0;
    while (pos + BLOCK <= total) {
      fs.readSync(fd, h, 0, BLOCK, pos);
      if (h.every((b) => b === 0)) return out;
      const stored = parseInt(field(h, 148, 8).trim(), 8);
      let sum = 0;
      for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : h[i]!;
      if (stored !== sum) throw new TarError(`not a tar archive, or a damaged one (bad header checksum at byte ${pos})`);
      const type = field(h, 156, 1);
      if (type !== '0' && type !== '') throw new TarError(`unexpected entry type "${type}" at byte ${pos}: a Muster backup holds regular files only`);
      const size = parseInt(field(h, 124, 12).trim(), 8);
      const name = field(h, 0, 100);
      if (!Number.isSafeInteger(size) || pos + BLOCK + size > total) throw new TarError(`the archive is cut short (entry ${name})`);
      out.push({ name, size, offset: pos + BLOCK });
      pos += BLOCK + Math.ceil(size / BLOCK) * BLOCK;
      if (out.length > 100) throw new TarError('too many entries for a Muster backup');
    }
    throw new TarError('the archive is cut short (no end-of-archive blocks)');
  } finally {
    fs.closeSync(fd);
  }
}

/** Copies one entry's bytes to `to` (created with `mode`); answers their SHA-256 (hex). */
export function extractEntry(archive: string, entry: TarEntry, to: string, mode = 0o600): string {
  const src = fs.openSync(archive, 'r');
  const dst = fs.openSync(to, 'wx', mode);
  const hash = createHash('sha256');
  try {
    const buf = Buffer.alloc(1 << 20);
    let done = 0;
    while (done < entry.size) {
      const n = fs.readSync(src, buf, 0, Math.min(buf.length, entry.size - done), entry.offset + done);
      if (n === 0) throw new TarError(`the archive is cut short (entry ${entry.name})`);
      hash.update(buf.subarray(0, n));
      fs.writeSync(dst, buf, 0, n);
      done += n;
    }
    fs.fsyncSync(dst);
  } finally {
    fs.closeSync(src);
    fs.closeSync(dst);
  }
  return hash.digest('hex');
}

/** Reads a small entry into memory. */
export function readEntry(archive: string, entry: TarEntry, max = 1 << 20): Buffer {
  if (entry.size > max) throw new TarError(`${entry.name} is larger than expected`);
  const fd = fs.openSync(archive, 'r');
  try {
    const buf = Buffer.alloc(entry.size);
    fs.readSync(fd, buf, 0, entry.size, entry.offset);
    return buf;
  } finally {
    fs.closeSync(fd);
  }
}
