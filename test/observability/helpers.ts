/** Test helpers for the observability tests: a capturing log destination and fake stores. */
import type {
  AuditPage,
  AuditRecord,
  DeviceRecord,
  DurableStore,
  FactorRecord,
  ProviderUserRecord,
  RecoveryCodeCount,
  SessionEnd,
  SignInRecord,
} from '../../src/stores/durable.ts';

/** A pino destination that keeps every line. */
export function captureStream(): {
  write(line: string): void;
  lines: string[];
  text(): string;
  parsed(): Record<string, unknown>[];
} {
  const lines: string[] = [];
  return {
    lines,
    write(line: string) {
      lines.push(line);
    },
    text: () => lines.join(''),
    parsed: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

/** A durable store whose behaviour each test chooses; records what it was given. */
export class FakeDurable implements DurableStore {
  readonly kind = 'sqlite' as const;
  readonly appended: AuditRecord[] = [];
  calls = 0;
  constructor(
    public append: (r: AuditRecord, call: number) => Promise<void> = async () => {},
    public pingImpl: () => Promise<void> = async () => {},
  ) {}
  async appendAudit(record: AuditRecord): Promise<void> {
    this.calls++;
    await this.append(record, this.calls);
    this.appended.push(record);
  }
  async queryAudit(): Promise<AuditRecord[]> {
    return [...this.appended].reverse();
  }
  async queryAuditPage(): Promise<AuditPage> {
    return { events: [...this.appended].reverse(), next: null };
  }
  async trimAudit(): Promise<number> {
    return 0;
  }
  async listUsersWithFactors(): Promise<string[]> {
    return [];
  }
  async schemaVersion(): Promise<number> {
    return 1;
  }
  // Provider users are not used by these tests.
  async findProviderUser(): Promise<ProviderUserRecord | null> {
    return null;
  }
  async getProviderUser(): Promise<ProviderUserRecord | null> {
    return null;
  }
  async listProviderUsers(): Promise<ProviderUserRecord[]> {
    return [];
  }
  async saveProviderUser(): Promise<boolean> {
    throw new Error('FakeDurable: provider users are not implemented');
  }
  async removeProviderUser(): Promise<boolean> {
    return false;
  }
  // Factors and recovery codes are not used by these tests.
  async listFactors(): Promise<FactorRecord[]> {
    return [];
  }
  async addFactor(): Promise<void> {
    throw new Error('FakeDurable: factors are not implemented');
  }
  async removeFactor(): Promise<boolean> {
    return false;
  }
  async touchFactor(): Promise<boolean> {
    return false;
  }
  async getFactor(): Promise<FactorRecord | null> {
    return null;
  }
  async renameFactor(): Promise<boolean> {
    return false;
  }
  async updateFactorData(): Promise<boolean> {
    return false;
  }
  async removeAllFactors(): Promise<number> {
    return 0;
  }
  async replaceRecoveryCodes(): Promise<void> {
    throw new Error('FakeDurable: recovery codes are not implemented');
  }
  async useRecoveryCode(): Promise<boolean> {
    return false;
  }
  async countRecoveryCodes(): Promise<RecoveryCodeCount> {
    return { total: 0, unused: 0 };
  }
  // Devices and sign-in history are not used by these tests either.
  async getDevice(): Promise<DeviceRecord | null> {
    return null;
  }
  async listDevices(): Promise<DeviceRecord[]> {
    return [];
  }
  async addDevice(): Promise<void> {
    throw new Error('FakeDurable: devices are not implemented');
  }
  async touchDevice(): Promise<boolean> {
    return false;
  }
  async trustDevice(): Promise<boolean> {
    return false;
  }
  async removeDevice(): Promise<boolean> {
    return false;
  }
  async removeAllDevices(): Promise<number> {
    return 0;
  }
  async recordSignIn(): Promise<void> {
    throw new Error('FakeDurable: sign-in history is not implemented');
  }
  async listSignIns(): Promise<SignInRecord[]> {
    return [];
  }
  async endSessionsBefore(): Promise<void> {}
  async getPreference(): Promise<string | null> {
    return null;
  }
  async setPreference(): Promise<void> {}
  async listSessionEnds(): Promise<SessionEnd[]> {
    return [];
  }
  async putInvite(): Promise<boolean> {
    return false;
  }
  async findInvite(): Promise<null> {
    return null;
  }
  async takeInvite(): Promise<null> {
    return null;
  }
  async removeInvite(): Promise<boolean> {
    return false;
  }
  async putAccessCode(): Promise<boolean> {
    return false;
  }
  async findAccessCode(): Promise<null> {
    return null;
  }
  async takeAccessCode(): Promise<null> {
    return null;
  }
  async removeAccessCode(): Promise<boolean> {
    return false;
  }
  async blockPush(): Promise<boolean> {
    return false;
  }
  async findPushBlock(): Promise<null> {
    return null;
  }
  async unblockPush(): Promise<boolean> {
    return false;
  }
  async listPushBlocks(): Promise<never[]> {
    return [];
  }
  async listAccessCodes(): Promise<never[]> {
    return [];
  }
  async takeExpiredAccessCodes(): Promise<never[]> {
    return [];
  }
  async markEnrolmentDue(): Promise<void> {}
  async isEnrolmentDue(): Promise<boolean> {
    return false;
  }
  ping(): Promise<void> {
    return this.pingImpl();
  }
  async close(): Promise<void> {}
}
