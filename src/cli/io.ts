/** The streams a command uses; tests pass their own. */
export interface CliIo {
  readonly stdin: NodeJS.ReadableStream;
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  /** default: process.env (tests pass their own: PORTCULLIS_ADMIN_URL, PORTCULLIS_ADMIN_TOKEN) */
  readonly env?: NodeJS.ProcessEnv;
}
