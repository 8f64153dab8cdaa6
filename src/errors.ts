import { accessErrors, requestErrors } from './kernel/error-codes.js';
import { assembleErrors, type ErrorGroup } from './kernel/error-registry.js';
import { catalogErrors } from './modules/catalog/errors.js';
import { filesErrors } from './modules/files/errors.js';
import {
  apiKeyErrors,
  authErrors,
  roleErrors,
  sessionErrors,
  userErrors,
} from './modules/identity/errors.js';
import { systemErrors } from './modules/system/errors.js';
import { tenancyErrors } from './modules/tenancy/errors.js';

/**
 * Every error code the server answers, in the order the docs show them: the kernel's, then each
 * module's. A module's codes are declared in its own `errors.ts`; a new module's group is added here.
 * `npm run docs:errors` writes the README's table and docs/ERRORS.md from this list.
 */
export const ERROR_GROUPS: readonly ErrorGroup[] = [
  requestErrors,
  accessErrors,
  tenancyErrors,
  authErrors,
  userErrors,
  roleErrors,
  apiKeyErrors,
  sessionErrors,
  catalogErrors,
  filesErrors,
  systemErrors,
];

export const errorRegistry = () => assembleErrors(ERROR_GROUPS);
