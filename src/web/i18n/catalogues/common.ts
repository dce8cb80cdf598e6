/** Strings every page shares: the frame and the language switcher. */
export const common = {
  en: {
    'common.language': 'Language',
    'common.skip': 'Skip to the content',
  },
  de: {
    'common.language': 'Sprache',
    'common.skip': 'Zum Inhalt springen',
  },
  fr: {
    'common.language': 'Langue',
    'common.skip': 'Aller au contenu',
  },
  es: {
    'common.language': 'Idioma',
    'common.skip': 'Ir al contenido',
  },
  nl: {
    'common.language': 'Taal',
    'common.skip': 'Naar de inhoud',
  },
} as const;
