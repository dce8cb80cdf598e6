import type { AuditRecord } from '../../src/stores/durable.ts';

/** An audit row for the stores' tests: alice's successful sign-in at t=1000, with `over` changed. */
export const auditRecord = (over: Partial<AuditRecord> = {}): AuditRecord => ({
  time: 1_000,
  event: 'login.success',
  outcome: 'success',
  tenant: null,
  user: 'alice',
  ip: null,
  country: null,
  device: null,
  app: null,
  rule: null,
  detail: null,
  requestId: null,
  ...over,
});
