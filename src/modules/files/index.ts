export { registerFileJobs } from './jobs.js';
export { fileRoutes } from './routes.js';
