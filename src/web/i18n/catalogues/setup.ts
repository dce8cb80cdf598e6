/** The first administrator's set-up page. The password rules are in the errors area. */
export const setup = {
  en: {
    'setup.title': 'Create the first administrator',
    'setup.lead': 'No user exists yet. This one-time page creates the first administrator of this gateway.',
    'setup.token': 'Set-up token',
    'setup.password': 'Password (at least {min} characters)',
    'setup.confirm': 'Password again',
    'setup.submit': 'Create administrator',
    'setup.done.title': 'Set-up complete',
    'setup.done.lead': 'The first administrator exists.',
    'setup.error.token': 'The set-up token is not valid.',
    'setup.error.username': 'Choose a user name of letters, digits, dots, dashes, underscores or @.',
    'setup.error.mismatch': 'The two passwords differ.',
  },
  de: {
    'setup.title': 'Ersten Administrator anlegen',
    'setup.lead':
      'Es gibt noch keinen Benutzer. Auf dieser einmaligen Seite legen Sie den ersten Administrator dieses Gateways an.',
    'setup.token': 'Einrichtungstoken',
    'setup.password': 'Passwort (mindestens {min} Zeichen)',
    'setup.confirm': 'Passwort wiederholen',
    'setup.submit': 'Administrator anlegen',
    'setup.done.title': 'Einrichtung abgeschlossen',
    'setup.done.lead': 'Der erste Administrator ist angelegt.',
    'setup.error.token': 'Das Einrichtungstoken ist ungültig.',
    'setup.error.username':
      'Wählen Sie einen Benutzernamen aus Buchstaben, Ziffern, Punkten, Bindestrichen, Unterstrichen oder @.',
    'setup.error.mismatch': 'Die beiden Passwörter stimmen nicht überein.',
  },
  fr: {
    'setup.title': 'Créer le premier administrateur',
    'setup.lead':
      'Aucun utilisateur n’existe encore. Cette page à usage unique crée le premier administrateur de cette passerelle.',
    'setup.token': 'Jeton de configuration',
    'setup.password': 'Mot de passe (au moins {min} caractères)',
    'setup.confirm': 'Confirmer le mot de passe',
    'setup.submit': 'Créer l’administrateur',
    'setup.done.title': 'Configuration terminée',
    'setup.done.lead': 'Le premier administrateur a été créé.',
    'setup.error.token': 'Le jeton de configuration n’est pas valide.',
    'setup.error.username':
      'Choisissez un nom d’utilisateur composé de lettres, de chiffres, de points, de tirets, de traits de soulignement ou de @.',
    'setup.error.mismatch': 'Les deux mots de passe ne correspondent pas.',
  },
  es: {
    'setup.title': 'Crear el primer administrador',
    'setup.lead':
      'Todavía no existe ningún usuario. Esta página de un solo uso crea el primer administrador de esta puerta de enlace.',
    'setup.token': 'Token de configuración',
    'setup.password': 'Contraseña (al menos {min} caracteres)',
    'setup.confirm': 'Repite la contraseña',
    'setup.submit': 'Crear administrador',
    'setup.done.title': 'Configuración completada',
    'setup.done.lead': 'El primer administrador ya existe.',
    'setup.error.token': 'El token de configuración no es válido.',
    'setup.error.username': 'Elige un nombre de usuario con letras, números, puntos, guiones, guiones bajos o @.',
    'setup.error.mismatch': 'Las dos contraseñas no coinciden.',
  },
  nl: {
    'setup.title': 'De eerste beheerder aanmaken',
    'setup.lead':
      'Er bestaat nog geen gebruiker. Op deze eenmalige pagina maak je de eerste beheerder van deze gateway aan.',
    'setup.token': 'Installatietoken',
    'setup.password': 'Wachtwoord (minimaal {min} tekens)',
    'setup.confirm': 'Wachtwoord herhalen',
    'setup.submit': 'Beheerder aanmaken',
    'setup.done.title': 'Installatie voltooid',
    'setup.done.lead': 'De eerste beheerder is aangemaakt.',
    'setup.error.token': 'Het installatietoken is niet geldig.',
    'setup.error.username': 'Kies een gebruikersnaam van letters, cijfers, punten, streepjes, underscores of @.',
    'setup.error.mismatch': 'De twee wachtwoorden komen niet overeen.',
  },
} as const;
