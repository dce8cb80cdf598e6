/**
 * Sign-in, the single sign-on hand-off and sign-out. `{wait}` is a duration of the common area
 * ("15 minutes"), as the sentence needs it.
 */
export const login = {
  en: {
    'login.title': 'Sign in',
    'login.username': 'User name',
    'login.password': 'Password',
    'login.submit': 'Sign in',
    'login.withProvider': 'Sign in with {provider}',
    'login.orPassword': 'Or with a user name and password',
    'login.error.invalid':
      'The user name or password is not correct. After repeated failures, signing in is paused for up to {wait}, even with the right password.',
    'login.error.throttled': 'Too many failed sign-ins from your network. Try again in {wait}.',
    'login.handoff.title': 'Signing you in',
    'login.handoff.heading': 'Signing you in…',
    'login.signedOut.title': 'Signed out',
    'login.signedOut.lead': 'You are signed out.',
    'login.signedOut.again': 'Sign in again',
    'login.sessionEnded': 'Your session ended (signed out, or too long without activity). Sign in again to continue.',
  },
  de: {
    'login.title': 'Anmelden',
    'login.username': 'Benutzername',
    'login.password': 'Passwort',
    'login.submit': 'Anmelden',
    'login.withProvider': 'Anmelden mit {provider}',
    'login.orPassword': 'Oder mit Benutzername und Passwort',
    'login.error.invalid':
      'Benutzername oder Passwort ist falsch. Nach wiederholten Fehlversuchen wird die Anmeldung für bis zu {wait} gesperrt, auch mit dem richtigen Passwort.',
    'login.error.throttled':
      'Zu viele fehlgeschlagene Anmeldungen aus Ihrem Netzwerk. Versuchen Sie es in {wait} erneut.',
    'login.handoff.title': 'Anmeldung läuft',
    'login.handoff.heading': 'Anmeldung läuft…',
    'login.signedOut.title': 'Abgemeldet',
    'login.signedOut.lead': 'Sie sind abgemeldet.',
    'login.signedOut.again': 'Erneut anmelden',
    'login.sessionEnded':
      'Ihre Sitzung ist beendet (abgemeldet oder zu lange inaktiv). Melden Sie sich erneut an, um fortzufahren.',
  },
  fr: {
    'login.title': 'Se connecter',
    'login.username': 'Nom d’utilisateur',
    'login.password': 'Mot de passe',
    'login.submit': 'Se connecter',
    'login.withProvider': 'Se connecter avec {provider}',
    'login.orPassword': 'Ou avec un nom d’utilisateur et un mot de passe',
    'login.error.invalid':
      'Le nom d’utilisateur ou le mot de passe est incorrect. Après plusieurs échecs, la connexion est suspendue pendant {wait} au maximum, même avec le bon mot de passe.',
    'login.error.throttled': 'Trop d’échecs de connexion depuis votre réseau. Réessayez dans {wait}.',
    'login.handoff.title': 'Connexion en cours',
    'login.handoff.heading': 'Connexion en cours…',
    'login.signedOut.title': 'Déconnecté',
    'login.signedOut.lead': 'Vous êtes déconnecté.',
    'login.signedOut.again': 'Se reconnecter',
    'login.sessionEnded':
      'Votre session a pris fin (déconnexion ou inactivité prolongée). Reconnectez-vous pour continuer.',
  },
  es: {
    'login.title': 'Iniciar sesión',
    'login.username': 'Nombre de usuario',
    'login.password': 'Contraseña',
    'login.submit': 'Iniciar sesión',
    'login.withProvider': 'Iniciar sesión con {provider}',
    'login.orPassword': 'O con un nombre de usuario y una contraseña',
    'login.error.invalid':
      'El nombre de usuario o la contraseña no son correctos. Tras varios intentos fallidos, el inicio de sesión se bloquea durante un máximo de {wait}, incluso con la contraseña correcta.',
    'login.error.throttled':
      'Demasiados inicios de sesión fallidos desde tu red. Vuelve a intentarlo dentro de {wait}.',
    'login.handoff.title': 'Iniciando sesión',
    'login.handoff.heading': 'Iniciando sesión…',
    'login.signedOut.title': 'Sesión cerrada',
    'login.signedOut.lead': 'Has cerrado sesión.',
    'login.signedOut.again': 'Volver a iniciar sesión',
    'login.sessionEnded':
      'Tu sesión ha terminado (has cerrado sesión o ha pasado demasiado tiempo sin actividad). Vuelve a iniciar sesión para continuar.',
  },
  nl: {
    'login.title': 'Aanmelden',
    'login.username': 'Gebruikersnaam',
    'login.password': 'Wachtwoord',
    'login.submit': 'Aanmelden',
    'login.withProvider': 'Aanmelden met {provider}',
    'login.orPassword': 'Of met een gebruikersnaam en wachtwoord',
    'login.error.invalid':
      'De gebruikersnaam of het wachtwoord is onjuist. Na herhaalde mislukte pogingen wordt aanmelden tot {wait} gepauzeerd, ook met het juiste wachtwoord.',
    'login.error.throttled': 'Te veel mislukte aanmeldingen vanaf je netwerk. Probeer het over {wait} opnieuw.',
    'login.handoff.title': 'Bezig met aanmelden',
    'login.handoff.heading': 'Bezig met aanmelden…',
    'login.signedOut.title': 'Afgemeld',
    'login.signedOut.lead': 'Je bent afgemeld.',
    'login.signedOut.again': 'Opnieuw aanmelden',
    'login.sessionEnded':
      'Je sessie is beëindigd (afgemeld of te lang niet actief). Meld je opnieuw aan om door te gaan.',
  },
} as const;
