/**
 * The page for a temporary access code from an administrator (a lost phone or key): the link
 * to it on the step-up page, the form, and why a code did not work.
 */
export const accessCode = {
  en: {
    'accessCode.link': 'I have a code from my administrator',
    'accessCode.title': 'Code from your administrator',
    'accessCode.heading': 'Use a code from your administrator',
    'accessCode.lead':
      'Lost your phone or security key? Your administrator can give you a one-time code. It lets you set up a new way to sign in, and nothing else.',
    'accessCode.label': 'Code from your administrator',
    'accessCode.submit': 'Continue',
    'accessCode.back': 'Back to the other ways',
    'accessCode.error.invalid': 'That code is not valid. Check it with your administrator.',
    'accessCode.error.malformed': 'That is not a code from your administrator: it has 12 letters and digits.',
    'accessCode.error.expired': 'That code has expired. Ask your administrator for a new one.',
    'accessCode.accepted': 'Code accepted. Now set up a new way to sign in.',
  },
  de: {
    'accessCode.link': 'Ich habe einen Code von meinem Administrator',
    'accessCode.title': 'Code von Ihrem Administrator',
    'accessCode.heading': 'Code von Ihrem Administrator verwenden',
    'accessCode.lead':
      'Telefon oder Sicherheitsschlüssel verloren? Ihr Administrator kann Ihnen einen Einmalcode geben. Damit richten Sie eine neue Anmeldemethode ein, sonst nichts.',
    'accessCode.label': 'Code von Ihrem Administrator',
    'accessCode.submit': 'Weiter',
    'accessCode.back': 'Zurück zu den anderen Möglichkeiten',
    'accessCode.error.invalid': 'Dieser Code ist ungültig. Prüfen Sie ihn mit Ihrem Administrator.',
    'accessCode.error.malformed': 'Das ist kein Code von Ihrem Administrator: Er hat 12 Buchstaben und Ziffern.',
    'accessCode.error.expired': 'Dieser Code ist abgelaufen. Bitten Sie Ihren Administrator um einen neuen.',
    'accessCode.accepted': 'Code akzeptiert. Richten Sie jetzt eine neue Anmeldemethode ein.',
  },
  fr: {
    'accessCode.link': 'J’ai un code de mon administrateur',
    'accessCode.title': 'Code de votre administrateur',
    'accessCode.heading': 'Utiliser un code de votre administrateur',
    'accessCode.lead':
      'Vous avez perdu votre téléphone ou votre clé de sécurité ? Votre administrateur peut vous donner un code à usage unique. Il vous permet de configurer une nouvelle méthode de connexion, et rien d’autre.',
    'accessCode.label': 'Code de votre administrateur',
    'accessCode.submit': 'Continuer',
    'accessCode.back': 'Revenir aux autres méthodes',
    'accessCode.error.invalid': 'Ce code n’est pas valide. Vérifiez-le avec votre administrateur.',
    'accessCode.error.malformed': 'Ce n’est pas un code de votre administrateur : il compte 12 lettres et chiffres.',
    'accessCode.error.expired': 'Ce code a expiré. Demandez-en un nouveau à votre administrateur.',
    'accessCode.accepted': 'Code accepté. Configurez maintenant une nouvelle méthode de connexion.',
  },
  es: {
    'accessCode.link': 'Tengo un código de mi administrador',
    'accessCode.title': 'Código de su administrador',
    'accessCode.heading': 'Usar un código de su administrador',
    'accessCode.lead':
      '¿Ha perdido su teléfono o su llave de seguridad? Su administrador puede darle un código de un solo uso. Le permite configurar un nuevo método de inicio de sesión, y nada más.',
    'accessCode.label': 'Código de su administrador',
    'accessCode.submit': 'Continuar',
    'accessCode.back': 'Volver a los otros métodos',
    'accessCode.error.invalid': 'Ese código no es válido. Compruébelo con su administrador.',
    'accessCode.error.malformed': 'Eso no es un código de su administrador: tiene 12 letras y cifras.',
    'accessCode.error.expired': 'Ese código ha caducado. Pida uno nuevo a su administrador.',
    'accessCode.accepted': 'Código aceptado. Ahora configure un nuevo método de inicio de sesión.',
  },
  nl: {
    'accessCode.link': 'Ik heb een code van mijn beheerder',
    'accessCode.title': 'Code van uw beheerder',
    'accessCode.heading': 'Een code van uw beheerder gebruiken',
    'accessCode.lead':
      'Telefoon of beveiligingssleutel kwijt? Uw beheerder kan u een eenmalige code geven. Daarmee stelt u een nieuwe manier van aanmelden in, en verder niets.',
    'accessCode.label': 'Code van uw beheerder',
    'accessCode.submit': 'Doorgaan',
    'accessCode.back': 'Terug naar de andere manieren',
    'accessCode.error.invalid': 'Die code is niet geldig. Controleer hem met uw beheerder.',
    'accessCode.error.malformed': 'Dat is geen code van uw beheerder: hij heeft 12 letters en cijfers.',
    'accessCode.error.expired': 'Die code is verlopen. Vraag uw beheerder om een nieuwe.',
    'accessCode.accepted': 'Code geaccepteerd. Stel nu een nieuwe manier van aanmelden in.',
  },
} as const;
