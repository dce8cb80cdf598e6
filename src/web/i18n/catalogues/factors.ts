/**
 * The second factor after the password and the step-up, the page for an account without a
 * factor the page accepts, enrolment of an authenticator app, and the recovery codes.
 * `{period}` is a duration of the common area ("30 days"); the trust box says what trusting changes.
 */
export const factors = {
  en: {
    'factors.stepup.title': 'Second factor',
    'factors.stepup.heading': 'Confirm it is you',
    'factors.app': 'Authenticator app',
    'factors.stepup.totpLead': 'Enter the 6-digit code from your authenticator app.',
    'factors.code': 'Code',
    'factors.verify': 'Verify',
    'factors.recovery.label': 'Recovery code',
    'factors.recovery.submit': 'Use recovery code',
    'factors.error.code': 'That code is not valid. Try the next one.',
    'factors.error.recovery': 'That recovery code is not valid.',
    'factors.error.enroll': 'That code is not valid. Check the time on your phone and try the next code.',
    'factors.again.title': 'Sign in again',
    'factors.again.heading': 'Sign in again to go on',
    'factors.again.lead': 'This page asks for a recent sign-in.',
    'factors.none.title': 'Second factor needed',
    'factors.none.heading': 'A second factor is needed',
    'factors.none.lead': 'This page needs a second factor that your account does not have yet.',
    'factors.none.askAdmin': 'None of the second factors this page accepts can be set up here. Ask your administrator.',
    'factors.setUp.webauthn': 'Set up a security key or a passkey',
    'factors.setUp.totp': 'Set up an authenticator app',
    'factors.setUp.any': 'Set up a security key or a passkey or an authenticator app',
    'factors.enroll.title': 'Set up a second factor',
    'factors.enroll.scan':
      'Scan this code with an authenticator app (for example Microsoft Authenticator, Google Authenticator, 1Password or Bitwarden), then enter the 6-digit code it shows.',
    'factors.enroll.qr': 'QR code of the secret',
    'factors.enroll.typeKey': 'Or type this key:',
    'factors.enroll.code': 'Code from the app',
    'factors.enroll.confirm': 'Confirm',
    'factors.enroll.keyOnly':
      'The page you are going to needs a security key or passkey: an authenticator app is not enough there.',
    'factors.enroll.askAdmin':
      'None of the second factors the page you are going to accepts can be set up here. Ask your administrator.',
    'factors.codes.keep':
      'Keep these recovery codes somewhere safe. Each one works once, when you cannot use your authenticator. They are shown only now.',
    'factors.codes.added': 'Authenticator added',
    'factors.codes.signedIn': 'Signed in',
    'factors.recovery.accepted': 'Recovery code accepted.',
    'factors.recovery.remaining.one': '{count} remains.',
    'factors.recovery.remaining.other': '{count} remain.',
    'factors.recovery.newAuthenticator': 'If you lost your device, set up a new authenticator from your account page.',
    'factors.trustedUntil': 'This device is trusted until {date}.',
    'factors.stepup.choose': 'Ways to confirm',
    'factors.stepup.otherWays': 'Or use another way:',
    'factors.recovery.heading': 'Use a recovery code',
    'factors.recovery.lead': 'Lost your device? Enter one of the recovery codes you saved. Each works once.',
    'factors.trust.skipsCode': "Don't ask for a code on this browser for {period}",
    'factors.trust.skipsCodeHint':
      'This page will then let this browser in with your password alone. Do not tick this on a shared computer.',
    'factors.trust.otherPages': 'Trust this browser for {period}',
    'factors.trust.otherPagesHint':
      'Some pages ask for less on a trusted browser; this one will still ask for a code. Do not tick this on a shared computer.',
    'factors.enroll.why':
      'A second factor keeps your account safe even when someone learns your password: signing in also needs something only you have, such as your phone or a security key. It takes a minute.',
  },
  de: {
    'factors.stepup.title': 'Zweiter Faktor',
    'factors.stepup.heading': 'Bestätigen Sie Ihre Identität',
    'factors.app': 'Authentifizierungs-App',
    'factors.stepup.totpLead': 'Geben Sie den 6-stelligen Code aus Ihrer Authentifizierungs-App ein.',
    'factors.code': 'Code',
    'factors.verify': 'Bestätigen',
    'factors.recovery.label': 'Wiederherstellungscode',
    'factors.recovery.submit': 'Wiederherstellungscode verwenden',
    'factors.error.code': 'Dieser Code ist ungültig. Versuchen Sie es mit dem nächsten.',
    'factors.error.recovery': 'Dieser Wiederherstellungscode ist ungültig.',
    'factors.error.enroll':
      'Dieser Code ist ungültig. Prüfen Sie die Uhrzeit Ihres Smartphones und versuchen Sie es mit dem nächsten Code.',
    'factors.again.title': 'Erneut anmelden',
    'factors.again.heading': 'Melden Sie sich erneut an, um fortzufahren',
    'factors.again.lead': 'Diese Seite verlangt eine aktuelle Anmeldung.',
    'factors.none.title': 'Zweiter Faktor erforderlich',
    'factors.none.heading': 'Ein zweiter Faktor ist erforderlich',
    'factors.none.lead': 'Diese Seite erfordert einen zweiten Faktor, den Ihr Konto noch nicht hat.',
    'factors.none.askAdmin':
      'Keiner der zweiten Faktoren, die diese Seite akzeptiert, kann hier eingerichtet werden. Wenden Sie sich an Ihren Administrator.',
    'factors.setUp.webauthn': 'Sicherheitsschlüssel oder Passkey einrichten',
    'factors.setUp.totp': 'Authentifizierungs-App einrichten',
    'factors.setUp.any': 'Sicherheitsschlüssel, Passkey oder Authentifizierungs-App einrichten',
    'factors.enroll.title': 'Zweiten Faktor einrichten',
    'factors.enroll.scan':
      'Scannen Sie diesen Code mit einer Authentifizierungs-App (zum Beispiel Microsoft Authenticator, Google Authenticator, 1Password oder Bitwarden) und geben Sie dann den angezeigten 6-stelligen Code ein.',
    'factors.enroll.qr': 'QR-Code des geheimen Schlüssels',
    'factors.enroll.typeKey': 'Oder geben Sie diesen Schlüssel ein:',
    'factors.enroll.code': 'Code aus der App',
    'factors.enroll.confirm': 'Bestätigen',
    'factors.enroll.keyOnly':
      'Die Seite, die Sie öffnen möchten, erfordert einen Sicherheitsschlüssel oder Passkey: Eine Authentifizierungs-App reicht dort nicht aus.',
    'factors.enroll.askAdmin':
      'Keiner der zweiten Faktoren, die die gewünschte Seite akzeptiert, kann hier eingerichtet werden. Wenden Sie sich an Ihren Administrator.',
    'factors.codes.keep':
      'Bewahren Sie diese Wiederherstellungscodes an einem sicheren Ort auf. Jeder Code funktioniert einmal, falls Sie Ihre Authentifizierungs-App oder Ihren Schlüssel nicht verwenden können. Sie werden nur jetzt angezeigt.',
    'factors.codes.added': 'Authentifizierungs-App hinzugefügt',
    'factors.codes.signedIn': 'Angemeldet',
    'factors.recovery.accepted': 'Wiederherstellungscode akzeptiert.',
    'factors.recovery.remaining.one': '{count} Code verbleibt.',
    'factors.recovery.remaining.other': '{count} Codes verbleiben.',
    'factors.recovery.newAuthenticator':
      'Falls Sie Ihr Gerät verloren haben, richten Sie auf Ihrer Kontoseite einen neuen zweiten Faktor ein.',
    'factors.trustedUntil': 'Diesem Gerät wird bis {date} vertraut.',
    'factors.stepup.choose': 'Möglichkeiten zur Bestätigung',
    'factors.stepup.otherWays': 'Oder verwenden Sie eine andere Möglichkeit:',
    'factors.recovery.heading': 'Einen Wiederherstellungscode verwenden',
    'factors.recovery.lead':
      'Gerät verloren? Geben Sie einen der Wiederherstellungscodes ein, die Sie aufbewahrt haben. Jeder Code funktioniert nur einmal.',
    'factors.trust.skipsCode': 'In diesem Browser {period} lang nicht nach einem Code fragen',
    'factors.trust.skipsCodeHint':
      'Diese Seite lässt diesen Browser dann allein mit Ihrem Passwort zu. Aktivieren Sie diese Option nicht auf einem gemeinsam genutzten Computer.',
    'factors.trust.otherPages': 'Diesem Browser {period} lang vertrauen',
    'factors.trust.otherPagesHint':
      'Manche Seiten verlangen in einem vertrauenswürdigen Browser weniger; diese Seite fragt weiterhin nach einem Code. Aktivieren Sie diese Option nicht auf einem gemeinsam genutzten Computer.',
    'factors.enroll.why':
      'Ein zweiter Faktor schützt Ihr Konto auch dann, wenn jemand Ihr Passwort kennt: Zum Anmelden brauchen Sie zusätzlich etwas, das nur Sie besitzen, etwa Ihr Smartphone oder einen Sicherheitsschlüssel. Die Einrichtung dauert nur eine Minute.',
  },
  fr: {
    'factors.stepup.title': 'Second facteur',
    'factors.stepup.heading': 'Confirmez votre identité',
    'factors.app': 'Application d’authentification',
    'factors.stepup.totpLead': 'Saisissez le code à 6 chiffres de votre application d’authentification.',
    'factors.code': 'Code',
    'factors.verify': 'Vérifier',
    'factors.recovery.label': 'Code de récupération',
    'factors.recovery.submit': 'Utiliser le code de récupération',
    'factors.error.code': 'Ce code n’est pas valide. Essayez le suivant.',
    'factors.error.recovery': 'Ce code de récupération n’est pas valide.',
    'factors.error.enroll': 'Ce code n’est pas valide. Vérifiez l’heure de votre téléphone et essayez le code suivant.',
    'factors.again.title': 'Se reconnecter',
    'factors.again.heading': 'Reconnectez-vous pour continuer',
    'factors.again.lead': 'Cette page demande une connexion récente.',
    'factors.none.title': 'Second facteur requis',
    'factors.none.heading': 'Un second facteur est requis',
    'factors.none.lead': 'Cette page exige un second facteur que votre compte n’a pas encore.',
    'factors.none.askAdmin':
      'Aucun des seconds facteurs acceptés par cette page ne peut être configuré ici. Contactez votre administrateur.',
    'factors.setUp.webauthn': 'Configurer une clé de sécurité ou une clé d’accès',
    'factors.setUp.totp': 'Configurer une application d’authentification',
    'factors.setUp.any': 'Configurer une clé de sécurité, une clé d’accès ou une application d’authentification',
    'factors.enroll.title': 'Configurer un second facteur',
    'factors.enroll.scan':
      'Scannez ce code avec une application d’authentification (par exemple Microsoft Authenticator, Google Authenticator, 1Password ou Bitwarden), puis saisissez le code à 6 chiffres qu’elle affiche.',
    'factors.enroll.qr': 'QR code de la clé secrète',
    'factors.enroll.typeKey': 'Ou saisissez cette clé\u00a0:',
    'factors.enroll.code': 'Code de l’application',
    'factors.enroll.confirm': 'Confirmer',
    'factors.enroll.keyOnly':
      'La page que vous ouvrez exige une clé de sécurité ou une clé d’accès\u00a0: une application d’authentification n’y suffit pas.',
    'factors.enroll.askAdmin':
      'Aucun des seconds facteurs acceptés par la page que vous ouvrez ne peut être configuré ici. Contactez votre administrateur.',
    'factors.codes.keep':
      'Conservez ces codes de récupération en lieu sûr. Chacun ne fonctionne qu’une fois, lorsque vous ne pouvez pas utiliser votre authentificateur. Ils ne sont affichés que maintenant.',
    'factors.codes.added': 'Application d’authentification ajoutée',
    'factors.codes.signedIn': 'Connecté',
    'factors.recovery.accepted': 'Code de récupération accepté.',
    'factors.recovery.remaining.one': '{count} code restant.',
    'factors.recovery.remaining.other': '{count} codes restants.',
    'factors.recovery.newAuthenticator':
      'Si vous avez perdu votre appareil, configurez un nouvel authentificateur depuis la page de votre compte.',
    'factors.trustedUntil': 'Cet appareil est approuvé jusqu’au {date}.',
    'factors.stepup.choose': 'Moyens de confirmation',
    'factors.stepup.otherWays': 'Ou utilisez un autre moyen\u00a0:',
    'factors.recovery.heading': 'Utiliser un code de récupération',
    'factors.recovery.lead':
      'Appareil perdu\u202f? Saisissez l’un des codes de récupération que vous avez conservés. Chacun ne fonctionne qu’une fois.',
    'factors.trust.skipsCode': 'Ne plus demander de code sur ce navigateur pendant {period}',
    'factors.trust.skipsCodeHint':
      'Cette page laissera alors entrer ce navigateur avec votre seul mot de passe. Ne cochez pas cette case sur un ordinateur partagé.',
    'factors.trust.otherPages': 'Faire confiance à ce navigateur pendant {period}',
    'factors.trust.otherPagesHint':
      'Certaines pages demandent moins sur un navigateur de confiance\u202f; celle-ci demandera toujours un code. Ne cochez pas cette case sur un ordinateur partagé.',
    'factors.enroll.why':
      'Un second facteur protège votre compte même si quelqu’un connaît votre mot de passe\u00a0: pour vous connecter, il faut aussi quelque chose que vous seul possédez, comme votre téléphone ou une clé de sécurité. Cela ne prend qu’une minute.',
  },
  es: {
    'factors.stepup.title': 'Segundo factor',
    'factors.stepup.heading': 'Confirma que eres tú',
    'factors.app': 'Aplicación de autenticación',
    'factors.stepup.totpLead': 'Introduce el código de 6 dígitos de tu aplicación de autenticación.',
    'factors.code': 'Código',
    'factors.verify': 'Verificar',
    'factors.recovery.label': 'Código de recuperación',
    'factors.recovery.submit': 'Usar código de recuperación',
    'factors.error.code': 'Ese código no es válido. Prueba con el siguiente.',
    'factors.error.recovery': 'Ese código de recuperación no es válido.',
    'factors.error.enroll':
      'Ese código no es válido. Comprueba la hora de tu teléfono y prueba con el siguiente código.',
    'factors.again.title': 'Vuelve a iniciar sesión',
    'factors.again.heading': 'Vuelve a iniciar sesión para continuar',
    'factors.again.lead': 'Esta página pide un inicio de sesión reciente.',
    'factors.none.title': 'Se necesita un segundo factor',
    'factors.none.heading': 'Se necesita un segundo factor',
    'factors.none.lead': 'Esta página requiere un segundo factor que tu cuenta aún no tiene.',
    'factors.none.askAdmin':
      'Ninguno de los segundos factores que acepta esta página se puede configurar aquí. Ponte en contacto con tu administrador.',
    'factors.setUp.webauthn': 'Configurar una llave de seguridad o una clave de acceso',
    'factors.setUp.totp': 'Configurar una aplicación de autenticación',
    'factors.setUp.any': 'Configurar una llave de seguridad, una clave de acceso o una aplicación de autenticación',
    'factors.enroll.title': 'Configura un segundo factor',
    'factors.enroll.scan':
      'Escanea este código con una aplicación de autenticación (por ejemplo, Microsoft Authenticator, Google Authenticator, 1Password o Bitwarden) e introduce el código de 6 dígitos que muestre.',
    'factors.enroll.qr': 'Código QR de la clave secreta',
    'factors.enroll.typeKey': 'O escribe esta clave:',
    'factors.enroll.code': 'Código de la aplicación',
    'factors.enroll.confirm': 'Confirmar',
    'factors.enroll.keyOnly':
      'La página a la que vas requiere una llave de seguridad o una clave de acceso: una aplicación de autenticación no es suficiente.',
    'factors.enroll.askAdmin':
      'Ninguno de los segundos factores que acepta la página a la que vas se puede configurar aquí. Ponte en contacto con tu administrador.',
    'factors.codes.keep':
      'Guarda estos códigos de recuperación en un lugar seguro. Cada uno funciona una sola vez, cuando no puedas usar tu autenticador. Solo se muestran ahora.',
    'factors.codes.added': 'Aplicación de autenticación añadida',
    'factors.codes.signedIn': 'Sesión iniciada',
    'factors.recovery.accepted': 'Código de recuperación aceptado.',
    'factors.recovery.remaining.one': 'Queda {count} código.',
    'factors.recovery.remaining.other': 'Quedan {count} códigos.',
    'factors.recovery.newAuthenticator':
      'Si has perdido tu dispositivo, configura un nuevo autenticador desde la página de tu cuenta.',
    'factors.trustedUntil': 'Este dispositivo es de confianza hasta el {date}.',
    'factors.stepup.choose': 'Formas de confirmar',
    'factors.stepup.otherWays': 'O usa otra forma:',
    'factors.recovery.heading': 'Usar un código de recuperación',
    'factors.recovery.lead':
      '¿Has perdido tu dispositivo? Introduce uno de los códigos de recuperación que guardaste. Cada uno funciona una sola vez.',
    'factors.trust.skipsCode': 'No pedir un código en este navegador durante {period}',
    'factors.trust.skipsCodeHint':
      'Esta página dejará entrar a este navegador solo con tu contraseña. No marques esta casilla en un ordenador compartido.',
    'factors.trust.otherPages': 'Confiar en este navegador durante {period}',
    'factors.trust.otherPagesHint':
      'Algunas páginas piden menos en un navegador de confianza; esta seguirá pidiendo un código. No marques esta casilla en un ordenador compartido.',
    'factors.enroll.why':
      'Un segundo factor protege tu cuenta aunque alguien conozca tu contraseña: para iniciar sesión también hace falta algo que solo tú tienes, como tu teléfono o una llave de seguridad. Solo se tarda un minuto.',
  },
  nl: {
    'factors.stepup.title': 'Tweede factor',
    'factors.stepup.heading': 'Bevestig dat jij het bent',
    'factors.app': 'Authenticator-app',
    'factors.stepup.totpLead': 'Voer de 6-cijferige code uit je authenticator-app in.',
    'factors.code': 'Code',
    'factors.verify': 'Verifiëren',
    'factors.recovery.label': 'Herstelcode',
    'factors.recovery.submit': 'Herstelcode gebruiken',
    'factors.error.code': 'Die code is niet geldig. Probeer de volgende.',
    'factors.error.recovery': 'Die herstelcode is niet geldig.',
    'factors.error.enroll': 'Die code is niet geldig. Controleer de tijd op je telefoon en probeer de volgende code.',
    'factors.again.title': 'Opnieuw aanmelden',
    'factors.again.heading': 'Meld je opnieuw aan om verder te gaan',
    'factors.again.lead': 'Deze pagina vraagt om een recente aanmelding.',
    'factors.none.title': 'Tweede factor nodig',
    'factors.none.heading': 'Er is een tweede factor nodig',
    'factors.none.lead': 'Deze pagina vereist een tweede factor die je account nog niet heeft.',
    'factors.none.askAdmin':
      'Geen van de tweede factoren die deze pagina accepteert, kan hier worden ingesteld. Neem contact op met je beheerder.',
    'factors.setUp.webauthn': 'Een beveiligingssleutel of passkey instellen',
    'factors.setUp.totp': 'Een authenticator-app instellen',
    'factors.setUp.any': 'Een beveiligingssleutel, passkey of authenticator-app instellen',
    'factors.enroll.title': 'Een tweede factor instellen',
    'factors.enroll.scan':
      'Scan deze code met een authenticator-app (bijvoorbeeld Microsoft Authenticator, Google Authenticator, 1Password of Bitwarden) en voer daarna de 6-cijferige code in die de app toont.',
    'factors.enroll.qr': 'QR-code van de geheime sleutel',
    'factors.enroll.typeKey': 'Of typ deze sleutel:',
    'factors.enroll.code': 'Code uit de app',
    'factors.enroll.confirm': 'Bevestigen',
    'factors.enroll.keyOnly':
      'De pagina waar je naartoe gaat, vereist een beveiligingssleutel of passkey: een authenticator-app is daar niet genoeg.',
    'factors.enroll.askAdmin':
      'Geen van de tweede factoren die de pagina waar je naartoe gaat accepteert, kan hier worden ingesteld. Neem contact op met je beheerder.',
    'factors.codes.keep':
      'Bewaar deze herstelcodes op een veilige plek. Elke code werkt één keer, wanneer je je authenticator niet kunt gebruiken. Ze worden alleen nu getoond.',
    'factors.codes.added': 'Authenticator-app toegevoegd',
    'factors.codes.signedIn': 'Aangemeld',
    'factors.recovery.accepted': 'Herstelcode geaccepteerd.',
    'factors.recovery.remaining.one': 'Er is nog {count} code over.',
    'factors.recovery.remaining.other': 'Er zijn nog {count} codes over.',
    'factors.recovery.newAuthenticator':
      'Ben je je apparaat kwijt? Stel dan via je accountpagina een nieuwe authenticator in.',
    'factors.trustedUntil': 'Dit apparaat wordt vertrouwd tot {date}.',
    'factors.stepup.choose': 'Manieren om te bevestigen',
    'factors.stepup.otherWays': 'Of gebruik een andere manier:',
    'factors.recovery.heading': 'Een herstelcode gebruiken',
    'factors.recovery.lead':
      'Apparaat kwijt? Voer een van de herstelcodes in die je hebt bewaard. Elke code werkt één keer.',
    'factors.trust.skipsCode': 'Op deze browser {period} niet om een code vragen',
    'factors.trust.skipsCodeHint':
      'Deze pagina laat deze browser dan binnen met alleen je wachtwoord. Vink dit niet aan op een gedeelde computer.',
    'factors.trust.otherPages': 'Deze browser {period} vertrouwen',
    'factors.trust.otherPagesHint':
      'Sommige pagina’s vragen minder op een vertrouwde browser; deze blijft om een code vragen. Vink dit niet aan op een gedeelde computer.',
    'factors.enroll.why':
      'Een tweede factor beschermt je account, ook als iemand je wachtwoord kent: om je aan te melden is dan ook iets nodig wat alleen jij hebt, zoals je telefoon of een beveiligingssleutel. Het kost maar een minuut.',
  },
} as const;
