/**
 * Why this version cannot open the durable store `spec`, or null: `portcullis check` reports it
 * (located), so a configuration that check accepts is one that start can open.
 */
export function durableSpecProblem(spec: string): string | null {
  if (/^postgres(ql)?:\/\//i.test(spec))
    return "the postgres durable store is not available in this version: use 'sqlite:path/to/file.db'";
  return null;
}
