import type { Readable } from 'node:stream';
import type { Config } from '../../../config.js';
import { LocalDiskStorage } from './local.js';
import { S3Storage } from './s3.js';

export interface PutOptions {
  contentType: string;
  /** Sent to object storage, so a CDN serving the bucket directly caches the object right. */
  cacheControl: string;
  /** Required for a stream body: object storage wants the length before the bytes. */
  size?: number;
  /** Hex SHA-256 of the body when already known (it is signed instead of hashing the bytes again). */
  sha256?: string;
}

export interface StoredObject {
  body: Readable;
  size: number;
}

/** Where file bytes live. Keys are `<tenant>/<name>` paths made by the files module. */
export interface StorageDriver {
  readonly name: 'local' | 's3';
  /** Stores the bytes under `key`, replacing any object there; readers never see half an object. */
  put(key: string, body: Buffer | Readable, options: PutOptions): Promise<void>;
  /** The stored bytes, or null when nothing is stored under `key`. */
  get(key: string): Promise<StoredObject | null>;
  /** Removes the object; removing a missing key is not an error (deletions may run twice). */
  delete(key: string): Promise<void>;
  exists(key: string): Promise<boolean>;
}

/** A storage operation that failed for a reason other than a missing key (disk full, S3 refused). */
export class StorageError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StorageError';
  }
}

// Letters, digits, dots, hyphens and underscores in slash-separated segments, none of them `.` or
// `..`: a key can never name a path outside the storage root, nor need encoding in a URL.
const KEY = /^(?!.*(?:^|\/)\.{1,2}(?:\/|$))[A-Za-z0-9._-]+(?:\/[A-Za-z0-9._-]+)*$/;

export function assertStorageKey(key: string): void {
  if (key.length > 512 || !KEY.test(key)) throw new StorageError(`Not a valid storage key: ${key}`);
}

/** The driver the configuration asks for: S3-compatible storage when a bucket is set, else local disk. */
export function createStorageDriver(config: Pick<Config, 'files'>): StorageDriver {
  return config.files.s3 ? new S3Storage(config.files.s3) : new LocalDiskStorage(config.files.dir);
}

const drivers = new WeakMap<Pick<Config, 'files'>, StorageDriver>();

/** One driver per configuration (per process), made on first use. */
export function storageFor(config: Pick<Config, 'files'>): StorageDriver {
  let driver = drivers.get(config);
  if (!driver) {
    driver = createStorageDriver(config);
    drivers.set(config, driver);
  }
  return driver;
}
