export { registerFileJobs } from './jobs.js';
export { fileRoutes } from './routes.js';
export { type FileRow, files } from './schema.js';
export { type ImageUrls, imageUrlsOf, PUBLIC_FILES_PATH, publicUrlOf } from './urls.js';
