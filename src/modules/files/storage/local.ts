import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  assertStorageKey,
  type PutOptions,
  type StorageDriver,
  StorageError,
  type StoredObject,
} from './driver.js';

/**
 * Files on the local disk under one directory (by default `CARSI_DATA_DIR/files`). Content types and
 * cache headers are not kept beside the bytes: the API serves them from the `files` rows.
 */
export class LocalDiskStorage implements StorageDriver {
  readonly name = 'local' as const;

  constructor(private readonly root: string) {}

  private pathOf(key: string): string {
    assertStorageKey(key);
    return path.join(this.root, ...key.split('/'));
  }

  async put(key: string, body: Buffer | Readable, _options: PutOptions): Promise<void> {
    const target = this.pathOf(key);
    // Written under a temporary name in the same directory and renamed: a reader sees the whole file
    // or none, and a crash leaves only a `.partial` file behind.
    const partial = `${target}.${randomUUID()}.partial`;
    try {
      await mkdir(path.dirname(target), { recursive: true });
      const source = Buffer.isBuffer(body) ? Readable.from([body]) : body;
      await pipeline(source, createWriteStream(partial, { flags: 'wx', mode: 0o640 }));
      await rename(partial, target);
    } catch (error) {
      await rm(partial, { force: true }).catch(() => {});
      throw new StorageError(`Could not store ${key} on disk`, { cause: error });
    }
  }

  async get(key: string): Promise<StoredObject | null> {
    const file = this.pathOf(key);
    let handle: Awaited<ReturnType<typeof open>>;
    try {
      handle = await open(file, 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw new StorageError(`Could not read ${key} from disk`, { cause: error });
    }
    try {
      // Size and stream come from the same open file, so a concurrent delete cannot split them.
      const { size } = await handle.stat();
      return { body: handle.createReadStream(), size };
    } catch (error) {
      await handle.close().catch(() => {});
      throw new StorageError(`Could not read ${key} from disk`, { cause: error });
    }
  }

  async delete(key: string): Promise<void> {
    try {
      await rm(this.pathOf(key), { force: true });
    } catch (error) {
      throw new StorageError(`Could not delete ${key} from disk`, { cause: error });
    }
  }

  async exists(key: string): Promise<boolean> {
    try {
      return (await stat(this.pathOf(key))).isFile();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw new StorageError(`Could not check ${key} on disk`, { cause: error });
    }
  }
}
