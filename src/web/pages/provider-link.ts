import { esc, type PageText } from '../html.ts';

/** "Sign in with ..." at an identity provider (idp/provider-choices.ts says which, and where to). */
export interface ProviderLink {
  readonly label: string;
  readonly href: string;
}

/** The button-like link of a provider, as the sign-in and step-up pages show it. */
export function providerButton(text: PageText, link: ProviderLink): string {
  return `<a class="button" href="${esc(link.href)}">${esc(text.t('login.withProvider', { provider: link.label }))}</a>`;
}
