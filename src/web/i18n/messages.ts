import { accessCode } from './catalogues/access-code.ts';
import { account } from './catalogues/account.ts';
import { common } from './catalogues/common.ts';
import { errors } from './catalogues/errors.ts';
import { factors } from './catalogues/factors.ts';
import { invite } from './catalogues/invite.ts';
import { login } from './catalogues/login.ts';
import { push } from './catalogues/push.ts';
import { setup } from './catalogues/setup.ts';
import { webauthn } from './catalogues/webauthn.ts';
import type { Locale } from './locales.ts';
import { type Translate, translator } from './translate.ts';

/**
 * Every catalogue area (one file per group of pages under catalogues/), in one list: the pages'
 * messages come from here and nowhere else. Each area gives the same keys in every language;
 * test/unit/catalogues.test.ts fails when one is missing, empty, or uses other placeholders.
 */
export const AREAS = { common, login, factors, push, accessCode, account, setup, invite, webauthn, errors } as const;

type Areas = typeof AREAS;
/** The key of any message of the portal. */
export type MessageKey = { [A in keyof Areas]: keyof Areas[A]['en'] }[keyof Areas] & string;

function merge(locale: Locale): Readonly<Record<MessageKey, string>> {
  const out: Record<string, string> = {};
  for (const area of Object.values(AREAS)) Object.assign(out, area[locale]);
  return out as Record<MessageKey, string>;
}

export const MESSAGES: Readonly<Record<Locale, Readonly<Record<MessageKey, string>>>> = {
  en: merge('en'),
  de: merge('de'),
  fr: merge('fr'),
  es: merge('es'),
  nl: merge('nl'),
};

/** The portal's messages in one language. */
export function messagesFor(locale: Locale): Translate<MessageKey> {
  return translator(MESSAGES, locale);
}
