/** Test clean-up for Redis: deletes only the keys a test created (SCAN + DEL), never FLUSHDB. */
import { Redis } from 'ioredis';

/** Deletes every key under `prefix` on the local Redis (127.0.0.1:6379, db 0). */
export async function deleteRedisPrefix(prefix: string): Promise<void> {
  const admin = new Redis({ host: '127.0.0.1', port: 6379, lazyConnect: true });
  try {
    await admin.connect();
    let cursor = '0';
    do {
      const [next, keys] = await admin.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      if (keys.length) await admin.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    admin.disconnect();
  }
}
