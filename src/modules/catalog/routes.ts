import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { attributeRoutes } from './attributes.routes.js';
import { brandRoutes } from './brands.routes.js';
import { categoryRoutes } from './categories.routes.js';
import { catalogImportRoutes } from './import/import.routes.js';
import { productRoutes } from './products.routes.js';

/**
 * The catalog's management API, CSV import and export, and the product page (the product listing
 * with search and facets is `productListingRoutes`, registered beside this).
 */
export const catalogRoutes: FastifyPluginAsyncTypebox = async (app) => {
  await app.register(productRoutes);
  await app.register(categoryRoutes);
  await app.register(brandRoutes);
  await app.register(attributeRoutes);
  await app.register(catalogImportRoutes);
};
