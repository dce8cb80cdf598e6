import { Type } from 'typebox';
import { compilePathGlob, pathGlobProblem } from '../glob.ts';
import { type Criterion, Verdict } from '../types.ts';

/** `paths: [/admin/**, /api/*\/status]`: globs on the normalised path, case as the app declares. */
export const paths: Criterion<string[]> = {
  key: 'paths',
  place: 'rule',
  schema: Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }),
  reason: 'path-matched',
  identity: false,
  compile(spec, ctx) {
    spec.forEach((glob, i) => {
      const problem = pathGlobProblem(glob);
      if (problem) ctx.error([i], problem);
    });
    const sensitive = spec.map((g) => compilePathGlob(g, false));
    const insensitive = spec.map((g) => compilePathGlob(g, true));
    return (facts) => {
      const list = facts.app.caseInsensitivePaths ? insensitive : sensitive;
      for (const re of list) if (re.test(facts.path)) return Verdict.Yes;
      return Verdict.No;
    };
  },
};
