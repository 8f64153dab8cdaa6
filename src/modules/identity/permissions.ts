import type { RoleAudience } from './schema.js';

/**
 * Every permission the API knows, `<area>.<action>`, with what it allows. Routes declare one of
 * these; roles and API key scopes are sets of them. Areas of modules still to come are listed now so
 * that roles made today keep their meaning when those modules land.
 */
export const PERMISSIONS = {
  'orders.view': 'See orders',
  'orders.create': 'Place orders and manage carts',
  'orders.approve': 'Approve or reject orders awaiting approval',
  'orders.manage': 'Change, cancel and fulfil any order',
  'quotes.view': 'See quotes',
  'quotes.create': 'Request quotes',
  'quotes.manage': 'Price, send and close quotes',
  'products.view': 'See draft and archived products',
  'products.create': 'Create products',
  'products.edit': 'Edit products, variants, categories, brands and attributes',
  'products.delete': 'Delete products',
  'prices.manage': 'Manage price lists and customer prices',
  'inventory.manage': 'Manage warehouses and stock',
  'customers.view': 'See customer accounts and their users',
  'customers.edit': 'Create and edit customer accounts and their users; export or erase their data',
  'payments.view': 'See payments',
  'payments.process': 'Take payments',
  'payments.refund': 'Refund payments',
  'invoices.view': 'See invoices',
  'invoices.manage': 'Issue and cancel invoices',
  'credit.view': 'See current accounts, balances and statements',
  'credit.manage': 'Change credit limits and post ledger entries',
  'returns.manage': 'Handle returns',
  'shipping.manage': 'Manage shipments',
  'marketing.manage': 'Manage campaigns, coupons, banners and collections',
  'users.view': 'See staff users',
  'users.manage': 'Create, edit, deactivate staff users and assign their roles',
  'roles.manage': 'Create, edit and delete roles',
  'apikeys.manage': 'Create and revoke API keys',
  'audit.view': 'Read the audit log',
  'settings.manage': 'Change tenant settings',
  'notifications.view': 'See the outbox: who was sent which message, when and how it went (never its body)',
  'webhooks.manage': 'Manage webhook subscriptions',
  'integration.access': 'Use the ERP integration API',
} as const;

export type Permission = keyof typeof PERMISSIONS;
export const ALL_PERMISSIONS = Object.keys(PERMISSIONS) as Permission[];

export function isPermission(value: string): value is Permission {
  return Object.hasOwn(PERMISSIONS, value);
}

/** Permissions a customer (dealer) user can ever hold; customer roles are limited to these. */
export const CUSTOMER_PERMISSIONS: readonly Permission[] = [
  'orders.view',
  'orders.create',
  'orders.approve',
  'quotes.view',
  'quotes.create',
  'payments.view',
  'payments.process',
  'invoices.view',
  'credit.view',
  'customers.view',
  'customers.edit',
];

export interface BuiltInRole {
  key: string;
  name: string;
  description: string;
  audience: RoleAudience;
  permissions: readonly Permission[];
}

/** The roles every tenant starts with (seed 001); each tenant gets editable copies. */
export const BUILT_IN_ROLES: readonly BuiltInRole[] = [
  {
    key: 'super_admin',
    name: 'Super Admin',
    description: 'Full access: every permission, always (see privileges.ts)',
    audience: 'staff',
    permissions: ALL_PERMISSIONS,
  },
  {
    key: 'sales_manager',
    name: 'Sales Manager',
    description: 'Customers, quotes and orders',
    audience: 'staff',
    permissions: [
      'orders.view',
      'orders.create',
      'orders.approve',
      'orders.manage',
      'quotes.view',
      'quotes.create',
      'quotes.manage',
      'products.view',
      'prices.manage',
      'customers.view',
      'customers.edit',
      'credit.view',
      'returns.manage',
    ],
  },
  {
    key: 'finance_manager',
    name: 'Finance Manager',
    description: 'Payments, invoices, current accounts and credit limits',
    audience: 'staff',
    permissions: [
      'orders.view',
      'customers.view',
      'payments.view',
      'payments.process',
      'payments.refund',
      'invoices.view',
      'invoices.manage',
      'credit.view',
      'credit.manage',
      'audit.view',
    ],
  },
  {
    key: 'customer_service',
    name: 'Customer Service',
    description: 'Order tracking and customer support',
    audience: 'staff',
    permissions: [
      'orders.view',
      'quotes.view',
      'products.view',
      'customers.view',
      'payments.view',
      'invoices.view',
      'returns.manage',
      'shipping.manage',
      'notifications.view',
    ],
  },
  {
    key: 'content_manager',
    name: 'Content Manager',
    description: 'Catalog, campaigns and banners',
    audience: 'staff',
    permissions: ['products.view', 'products.create', 'products.edit', 'products.delete', 'marketing.manage'],
  },
  {
    key: 'dealer_owner',
    name: 'Dealer Owner',
    description: 'Full access to the company account',
    audience: 'customer',
    permissions: CUSTOMER_PERMISSIONS,
  },
  {
    key: 'purchasing',
    name: 'Purchasing',
    description: 'Orders and quote requests',
    audience: 'customer',
    permissions: ['orders.view', 'orders.create', 'quotes.view', 'quotes.create', 'invoices.view'],
  },
  {
    key: 'finance',
    name: 'Finance',
    description: 'Current account, payments and statements',
    audience: 'customer',
    permissions: ['orders.view', 'payments.view', 'payments.process', 'invoices.view', 'credit.view'],
  },
  {
    key: 'viewer',
    name: 'Viewer',
    description: 'Read-only access',
    audience: 'customer',
    permissions: ['orders.view', 'quotes.view', 'invoices.view', 'payments.view', 'credit.view'],
  },
];
