export { registerFileJobs } from './jobs.js';
export { fileRoutes } from './routes.js';
export { type FileRow, files } from './schema.js';
export {
  FILE_DELETED,
  FILE_READY,
  FILE_STORED,
  type FileEventPayload,
  type FileView,
  getFile,
  requireImageFile,
  toFileView,
} from './service.js';
export {
  createStorageDriver,
  type PutOptions,
  type StorageDriver,
  StorageError,
  type StoredObject,
  storageFor,
} from './storage/driver.js';
export { type ImageUrls, imageUrlsOf, PUBLIC_FILES_PATH, publicUrlOf } from './urls.js';
