import { Type } from '../../json-schema.ts';
import {
  compilePathShape,
  hasLineTerminator,
  holdsFolded,
  type PathShape,
  pathGlobProblem,
  pathTestOf,
} from '../glob.ts';
import {
  type AppAwareMatcher,
  type AppFacts,
  type Criterion,
  type Matcher,
  type RequestFacts,
  Verdict,
} from '../types.ts';

/**
 * The matcher of a rule's globs, compiled for one case rule. A single glob (the usual case) is
 * tested right here, without a further call per request; a list tries each glob's test.
 */
function matcherOf(shapes: readonly PathShape[]): Matcher {
  const [shape] = shapes;
  if (shapes.length !== 1 || shape === undefined) {
    const tests = shapes.map(pathTestOf);
    return (facts) => {
      for (const test of tests) if (test(facts.path)) return Verdict.Yes;
      return Verdict.No;
    };
  }
  if (shape.kind === 'exact' && !shape.fold) {
    const literal = shape.literal;
    return (facts) => (facts.path === literal ? Verdict.Yes : Verdict.No);
  }
  if (shape.kind === 'below') {
    const base = shape.literal;
    const below = `${base}/`;
    if (!shape.fold)
      return (facts) => {
        const path = facts.path;
        if (path.length === base.length) return path === base ? Verdict.Yes : Verdict.No;
        return path.startsWith(below) && !hasLineTerminator(path, below.length) ? Verdict.Yes : Verdict.No;
      };
    return (facts) => {
      const path = facts.path;
      if (path.length === base.length) return holdsFolded(path, 0, base) ? Verdict.Yes : Verdict.No;
      return holdsFolded(path, 0, below) && !hasLineTerminator(path, below.length) ? Verdict.Yes : Verdict.No;
    };
  }
  const test = pathTestOf(shape);
  return (facts) => (test(facts.path) ? Verdict.Yes : Verdict.No);
}

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
    const sensitiveShapes = spec.map((g) => compilePathShape(g, false));
    const insensitiveShapes = spec.map((g) => compilePathShape(g, true));
    const sensitive = matcherOf(sensitiveShapes);
    const insensitive = matcherOf(insensitiveShapes);
    const matcher: AppAwareMatcher = Object.assign(
      (facts: RequestFacts) => (facts.app.caseInsensitivePaths ? insensitive : sensitive)(facts),
      {
        // An app's copy knows the app's case rule. It is a closure of its own (the shapes and
        // their RegExps are shared), allocated with the app's other matchers, so the rules a
        // request walks sit together in memory.
        forApp: (app: AppFacts) => matcherOf(app.caseInsensitivePaths ? insensitiveShapes : sensitiveShapes),
      },
    );
    return matcher;
  },
};
