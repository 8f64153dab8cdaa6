export { catalogReadAccess, contentLocaleOf, seesUnpublished } from './access.js';
export { registerCatalogJobs } from './jobs.js';
export { productListingRoutes } from './listing.routes.js';
export { catalogRoutes } from './routes.js';
export { refreshProductDerivedFields } from './search-document.js';
