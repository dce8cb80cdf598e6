import { isPostgresSpec, postgresSettings } from './postgres-settings.ts';

/**
 * Why the durable store `spec` cannot be opened as written, or null: `portcullis check` reports
 * it (located), so a configuration that check accepts is one that start can read. Whether the
 * database answers is start's business (it then exits non-zero with the reason).
 */
export function durableSpecProblem(spec: string, baseDir: string): string | null {
  if (!isPostgresSpec(spec)) return null;
  try {
    postgresSettings(spec, baseDir);
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}
