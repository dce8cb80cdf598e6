import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from '../../json-schema.ts';
import { cookieValue, serializeCookie } from '../../session/cookies.ts';
import { brandFor } from '../brand.ts';
import { chooseLocale, isLocale, LOCALES, type Locale } from './locales.ts';

/**
 * The switcher's cookie: the language a person chose on a page. Only a preference (no secret);
 * its path is the portal's, so no application behind the gateway ever receives it.
 */
export const LANGUAGE_COOKIE = 'portcullis_lang';
export const LANGUAGE_PATH = '/.portcullis/';
const YEAR_SECONDS = 365 * 24 * 3600;

/** The language of the page answering this request (see chooseLocale). */
export function pageLocale(request: FastifyRequest): Locale {
  return chooseLocale({
    chosen: cookieValue(request.headers.cookie, LANGUAGE_COOKIE),
    fixed: brandFor(request).language,
    acceptLanguage: request.headers['accept-language'],
  });
}

const SwitchQuery = Type.Object(
  {
    set: Type.Union(LOCALES.map((l) => Type.Literal(l))),
    // a page of the portal on this host to come back to; anything else goes to the account page
    back: Type.Optional(Type.String({ maxLength: 4096 })),
  },
  { additionalProperties: false },
);

/** Where the switcher may send the browser back to: a portal page of this same host, nothing else. */
export function safeBack(back: string | undefined): string {
  if (back === undefined || !back.startsWith(LANGUAGE_PATH) || /[\\\u0000-\u001f\u007f]|\/\.\.?(\/|\?|$)/.test(back))
    return LANGUAGE_PATH;
  return back;
}

/**
 * `GET /.portcullis/language?set=de&back=/.portcullis/login?rd=...`: remembers the person's
 * choice for a year and goes back to the page. A link, so it works without JavaScript; a
 * language is no secret, so a forged link can only change the language.
 */
export async function languageRoutes(app: FastifyInstance): Promise<void> {
  app.get('/language', { schema: { querystring: SwitchQuery } }, async (request, reply) => {
    const { set, back } = request.query as { set: string; back?: string };
    if (!isLocale(set)) return reply.code(400).send({ error: 'bad_request' });
    reply.header(
      'set-cookie',
      serializeCookie(LANGUAGE_COOKIE, set, {
        path: LANGUAGE_PATH,
        maxAgeSeconds: YEAR_SECONDS,
        secure: request.pc.state.session.secure,
        sameSite: 'Lax',
      }),
    );
    return reply.header('cache-control', 'no-store').redirect(safeBack(back), 303);
  });
}
