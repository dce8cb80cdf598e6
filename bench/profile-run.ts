/**
 * Where the inline case's time goes: one extra, shorter run of target (b) (Portcullis inline,
 * signed in, password rule) in a child started with `--cpu-prof`, after the measured rounds, so
 * the profiler's overhead never touches the table. Same sign-in, checks and load as the measured
 * runs. The profile of its main thread (its whole life: start-up, sign-in, warm-up and load) is
 * written when the child exits and kept as bench/results/profile/inline-portcullis.cpuprofile (open
 * it in Chrome DevTools or VS Code); the summary here counts only the measured load: the functions
 * with the most self time.
 */
import { mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fail } from './bench-error.ts';
import { type Child, childTarget } from './child.ts';
import { mainThreadProfile, type ProfileSummary, readCpuProfile, summariseCpuProfile } from './cpu-profile.ts';
import { type LoadSettings, type Measurement, measure } from './measure.ts';

export const PROFILE_NAME = 'inline-portcullis.cpuprofile';

export interface ProfileResult {
  path: string;
  /** the profiled run's own figures (slowed by the profiler: not comparable with the table) */
  run: Measurement;
  summary: ProfileSummary;
}

export async function profileInline(opts: {
  dir: string;
  /** the repository's folder, to shorten paths */
  root: string;
  origin: string;
  upstream: Child;
  cpus: string | null;
  settings: LoadSettings;
  top: number;
}): Promise<ProfileResult> {
  mkdirSync(opts.dir, { recursive: true });
  for (const f of readdirSync(opts.dir)) if (f.endsWith('.cpuprofile')) rmSync(join(opts.dir, f));
  const execArgv = ['--cpu-prof', '--cpu-prof-dir', opts.dir];
  let window: { fromUs: number; toUs: number } | undefined;
  const run = await measure(
    'portcullis (profiled)',
    () => childTarget('portcullis', opts.origin, { execArgv, cpus: opts.cpus }),
    opts.upstream,
    0,
    opts.settings,
    (fromUs, toUs) => {
      window = { fromUs, toUs };
    },
  );
  const written = readdirSync(opts.dir).filter((f) => f.endsWith('.cpuprofile'));
  const main = mainThreadProfile(written) ?? fail(`the profiled child wrote no main-thread profile in ${opts.dir}`);
  const path = join(opts.dir, PROFILE_NAME);
  renameSync(join(opts.dir, main), path);
  for (const f of written) if (f !== main) rmSync(join(opts.dir, f));
  const summary = summariseCpuProfile(readCpuProfile(path), {
    root: opts.root,
    top: opts.top,
    ...(window ? { window } : {}),
  });
  return { path, run, summary };
}

/** The summary as lines: share of busy time, self time, function, where. */
export function formatProfile(s: ProfileSummary): string[] {
  const width = Math.min(40, Math.max(...s.functions.map((f) => f.name.length), 8));
  return s.functions.map(
    (f) =>
      `${f.percent.toFixed(1).padStart(5)}%  ${f.selfMs.toFixed(0).padStart(7)} ms  ${f.name.padEnd(width)}  ${f.location}`,
  );
}
