import fastJson from 'fast-json-stringify';
import { describe, expect, it } from 'vitest';
import { Me } from './contracts.js';
import { meJson } from './me.routes.js';
import type { MeView } from './me.service.js';

describe('GET /me answer', () => {
  const serializeMe = fastJson(Me as object) as (me: MeView) => string;
  const base: MeView = {
    id: '01a200cc-95e0-7362-bf4f-1698623a62a3',
    kind: 'staff',
    email: 'ayşe@örnek.com.tr',
    name: 'Ayşe "Yönetici" \\ Çelik\n',
    status: 'active',
    emailVerified: true,
    mfaEnabled: false,
    locale: null,
    phone: null,
    roles: ['super_admin'],
    lastLoginAt: '2026-11-22T01:39:20.682Z',
    createdAt: '2026-11-22T01:08:57.438Z',
    tenantId: '01a200cc-959b-7369-abea-b0420b169137',
    permissions: ['audit.view', 'orders.view', 'users.manage'],
  };

  it('is the text the Me schema serializes', () => {
    const views: MeView[] = [
      base,
      { ...base, permissions: [] },
      { ...base, roles: [], locale: 'tr-TR', phone: '+90 555 000 00 00', lastLoginAt: null, tenantId: null },
      { ...base, kind: 'platform', status: 'pending_approval', emailVerified: false, mfaEnabled: true },
    ];
    for (const view of views) {
      expect(meJson(view)).toBe(serializeMe(view));
      // Twice: the second time the permission list's text is the one kept from the first.
      expect(meJson(view)).toBe(serializeMe(view));
    }
    expect(JSON.parse(meJson(base))).toEqual(base);
  });
});
