/**
 * The ratios issue 16 measures Portcullis against, from the median figures of one run, each with
 * its goal and whether it is met:
 *
 *   b/a  Portcullis inline, signed in (password rule) / bare @fastify/http-proxy   >= 1.3
 *   f/a  Portcullis inline, mfa rule among 50 rules / bare @fastify/http-proxy     >= 1.3
 *   e/a  hand-written node:http + undici / bare: the ceiling (no goal; about 1.37 in the issue)
 *   h/g  nginx auth_request -> Portcullis / nginx auth_request -> trivial auth      >= 0.9
 *   p99 added by Portcullis over (a), for (b) and (f)                              < 1 ms
 *
 * A value is judged as it is printed (ratios to 3 decimals, milliseconds to 2), so a line never
 * shows 1.300 and "not met". A target that was not measured (no nginx) gives "not measured".
 */

export const GOALS = { inlineRatio: 1.3, forwardAuthRatio: 0.9, addedP99Ms: 1 } as const;

/** What a goal needs of a target's median round. */
export interface Figures {
  requestsPerSec: number;
  p99Ms: number;
}

/** a bare http-proxy, b inline (password), e node:http + undici, f inline (mfa, 50 rules), g nginx + trivial auth, h nginx + Portcullis */
export type TargetKey = 'a' | 'b' | 'e' | 'f' | 'g' | 'h';

export type GoalStatus = 'met' | 'not met' | 'no goal' | 'not measured';

export interface GoalLine {
  key: string;
  what: string;
  value: number | null;
  unit: 'x' | 'ms';
  /** e.g. '>= 1.3'; null for a reference figure */
  goal: string | null;
  status: GoalStatus;
}

const round = (n: number, digits: number) => Math.round(n * 10 ** digits) / 10 ** digits;

function ratioLine(
  figures: Partial<Record<TargetKey, Figures>>,
  over: TargetKey,
  under: TargetKey,
  what: string,
  atLeast: number | null,
): GoalLine {
  const top = figures[over];
  const bottom = figures[under];
  const goal = atLeast === null ? null : `>= ${atLeast}`;
  const key = `${over}/${under}`;
  if (top === undefined || bottom === undefined || bottom.requestsPerSec <= 0)
    return { key, what, value: null, unit: 'x', goal, status: 'not measured' };
  const value = round(top.requestsPerSec / bottom.requestsPerSec, 3);
  const status: GoalStatus = atLeast === null ? 'no goal' : value >= atLeast ? 'met' : 'not met';
  return { key, what, value, unit: 'x', goal, status };
}

function addedP99Line(figures: Partial<Record<TargetKey, Figures>>, target: TargetKey, what: string): GoalLine {
  const key = `p99 ${target}-a`;
  const goal = `< ${GOALS.addedP99Ms}`;
  const t = figures[target];
  const a = figures.a;
  if (t === undefined || a === undefined) return { key, what, value: null, unit: 'ms', goal, status: 'not measured' };
  const value = round(t.p99Ms - a.p99Ms, 2);
  return { key, what, value, unit: 'ms', goal, status: value < GOALS.addedP99Ms ? 'met' : 'not met' };
}

/** The goal lines, in the order they are printed. */
export function judgeGoals(figures: Partial<Record<TargetKey, Figures>>): GoalLine[] {
  return [
    ratioLine(figures, 'b', 'a', 'inline, signed in (password rule) / bare http-proxy, req/s', GOALS.inlineRatio),
    ratioLine(figures, 'f', 'a', 'inline, mfa rule among 50 rules / bare http-proxy, req/s', GOALS.inlineRatio),
    ratioLine(figures, 'e', 'a', 'node:http + undici reference / bare http-proxy, req/s (the ceiling)', null),
    ratioLine(figures, 'h', 'g', 'nginx -> Portcullis /authz / nginx -> trivial auth, req/s', GOALS.forwardAuthRatio),
    addedP99Line(figures, 'b', 'p99 added by Portcullis inline (password) over bare'),
    addedP99Line(figures, 'f', 'p99 added by Portcullis inline (mfa, 50 rules) over bare'),
  ];
}

/** One line per goal, aligned: key, figure, goal, status (upper case when not met). */
export function formatGoals(lines: readonly GoalLine[]): string[] {
  const cells = lines.map((l) => [
    l.key,
    l.value === null ? '-' : l.unit === 'x' ? l.value.toFixed(3) : `${l.value.toFixed(2)} ms`,
    l.goal === null ? 'reference' : `goal ${l.goal}${l.unit === 'ms' ? ' ms' : ''}`,
    l.status === 'not met' ? 'NOT MET' : l.status,
    l.what,
  ]);
  const widths = [0, 1, 2, 3].map((i) => Math.max(...cells.map((c) => (c[i] as string).length)));
  return cells.map((c) =>
    [
      (c[0] as string).padEnd(widths[0] as number),
      (c[1] as string).padStart(widths[1] as number),
      (c[2] as string).padEnd(widths[2] as number),
      (c[3] as string).padEnd(widths[3] as number),
      c[4],
    ].join('  '),
  );
}
