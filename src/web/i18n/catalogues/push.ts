/**
 * Push approval on the sign-in pages: the step-up page's part (send a request to the phone),
 * the page that shows the number to pick, and why a push did not sign the user in.
 */
export const push = {
  en: {
    'push.label': 'Approve on my phone',
    'push.kind': 'Phone approval (push)',
    'push.lead':
      'We send a request to the phones you set up. Your phone shows three numbers: pick the one this page shows.',
    'push.send': 'Send a request',
    'push.wait.title': 'Approve on your phone',
    'push.wait.heading': 'Pick this number on your phone',
    'push.wait.lead':
      'Open the request on your phone, check where the sign-in comes from, and pick the number below. Then continue here.',
    'push.wait.number': 'Your number',
    'push.wait.continue': 'I approved it, continue',
    'push.wait.pending': 'Your phone has not answered yet. Approve the request there, then continue.',
    'push.error.denied': 'The request was denied on your phone. Send a new one, or use another way.',
    'push.error.expired': 'The request expired before it was approved. Send a new one, or use another way.',
    'push.error.limited': 'Too many requests were sent. Wait a few minutes, or use another way.',
    'push.error.blocked':
      'Requests to your phone are paused after you reported one. Your administrator can turn them back on.',
    'push.error.unreachable': 'Your phone could not be reached. Use another way, or set up your phone again.',
  },
  de: {
    'push.label': 'Auf meinem Telefon bestätigen',
    'push.kind': 'Bestätigung am Telefon (Push)',
    'push.lead':
      'Wir senden eine Anfrage an die Telefone, die Sie eingerichtet haben. Ihr Telefon zeigt drei Zahlen: Wählen Sie die, die diese Seite zeigt.',
    'push.send': 'Anfrage senden',
    'push.wait.title': 'Auf dem Telefon bestätigen',
    'push.wait.heading': 'Wählen Sie diese Zahl auf Ihrem Telefon',
    'push.wait.lead':
      'Öffnen Sie die Anfrage auf Ihrem Telefon, prüfen Sie, woher die Anmeldung kommt, und wählen Sie die Zahl unten. Fahren Sie dann hier fort.',
    'push.wait.number': 'Ihre Zahl',
    'push.wait.continue': 'Bestätigt, weiter',
    'push.wait.pending':
      'Ihr Telefon hat noch nicht geantwortet. Bestätigen Sie die Anfrage dort und fahren Sie dann fort.',
    'push.error.denied':
      'Die Anfrage wurde auf Ihrem Telefon abgelehnt. Senden Sie eine neue oder wählen Sie einen anderen Weg.',
    'push.error.expired':
      'Die Anfrage ist abgelaufen, bevor sie bestätigt wurde. Senden Sie eine neue oder wählen Sie einen anderen Weg.',
    'push.error.limited':
      'Es wurden zu viele Anfragen gesendet. Warten Sie einige Minuten oder wählen Sie einen anderen Weg.',
    'push.error.blocked':
      'Anfragen an Ihr Telefon sind angehalten, seit Sie eine gemeldet haben. Ihr Administrator kann sie wieder einschalten.',
    'push.error.unreachable':
      'Ihr Telefon war nicht erreichbar. Wählen Sie einen anderen Weg oder richten Sie Ihr Telefon neu ein.',
  },
  fr: {
    'push.label': 'Approuver sur mon téléphone',
    'push.kind': 'Approbation sur le téléphone (push)',
    'push.lead':
      'Nous envoyons une demande aux téléphones que vous avez configurés. Votre téléphone affiche trois nombres\u00a0: choisissez celui que cette page affiche.',
    'push.send': 'Envoyer une demande',
    'push.wait.title': 'Approuver sur votre téléphone',
    'push.wait.heading': 'Choisissez ce nombre sur votre téléphone',
    'push.wait.lead':
      'Ouvrez la demande sur votre téléphone, vérifiez d’où vient la connexion et choisissez le nombre ci-dessous. Puis continuez ici.',
    'push.wait.number': 'Votre nombre',
    'push.wait.continue': 'C’est approuvé, continuer',
    'push.wait.pending': 'Votre téléphone n’a pas encore répondu. Approuvez la demande, puis continuez.',
    'push.error.denied':
      'La demande a été refusée sur votre téléphone. Envoyez-en une nouvelle ou utilisez un autre moyen.',
    'push.error.expired':
      'La demande a expiré avant d’être approuvée. Envoyez-en une nouvelle ou utilisez un autre moyen.',
    'push.error.limited': 'Trop de demandes ont été envoyées. Attendez quelques minutes ou utilisez un autre moyen.',
    'push.error.blocked':
      'Les demandes vers votre téléphone sont suspendues depuis que vous en avez signalé une. Votre administrateur peut les réactiver.',
    'push.error.unreachable':
      'Votre téléphone est injoignable. Utilisez un autre moyen ou configurez à nouveau votre téléphone.',
  },
  es: {
    'push.label': 'Aprobar en mi teléfono',
    'push.kind': 'Aprobación en el teléfono (push)',
    'push.lead':
      'Enviamos una solicitud a los teléfonos que configuró. Su teléfono muestra tres números: elija el que muestra esta página.',
    'push.send': 'Enviar una solicitud',
    'push.wait.title': 'Apruebe en su teléfono',
    'push.wait.heading': 'Elija este número en su teléfono',
    'push.wait.lead':
      'Abra la solicitud en su teléfono, compruebe desde dónde se inicia la sesión y elija el número de abajo. Después continúe aquí.',
    'push.wait.number': 'Su número',
    'push.wait.continue': 'Ya lo aprobé, continuar',
    'push.wait.pending': 'Su teléfono aún no ha respondido. Apruebe la solicitud allí y después continúe.',
    'push.error.denied': 'La solicitud se rechazó en su teléfono. Envíe una nueva o use otro método.',
    'push.error.expired': 'La solicitud caducó antes de aprobarse. Envíe una nueva o use otro método.',
    'push.error.limited': 'Se enviaron demasiadas solicitudes. Espere unos minutos o use otro método.',
    'push.error.blocked':
      'Las solicitudes a su teléfono están en pausa desde que informó de una. Su administrador puede reactivarlas.',
    'push.error.unreachable': 'No se pudo contactar con su teléfono. Use otro método o configure su teléfono de nuevo.',
  },
  nl: {
    'push.label': 'Goedkeuren op mijn telefoon',
    'push.kind': 'Goedkeuring op de telefoon (push)',
    'push.lead':
      'We sturen een verzoek naar de telefoons die u hebt ingesteld. Uw telefoon toont drie getallen: kies het getal dat deze pagina toont.',
    'push.send': 'Verzoek sturen',
    'push.wait.title': 'Goedkeuren op uw telefoon',
    'push.wait.heading': 'Kies dit getal op uw telefoon',
    'push.wait.lead':
      'Open het verzoek op uw telefoon, controleer waar de aanmelding vandaan komt en kies het getal hieronder. Ga daarna hier verder.',
    'push.wait.number': 'Uw getal',
    'push.wait.continue': 'Goedgekeurd, verder',
    'push.wait.pending': 'Uw telefoon heeft nog niet geantwoord. Keur het verzoek daar goed en ga daarna verder.',
    'push.error.denied': 'Het verzoek is op uw telefoon geweigerd. Stuur een nieuw verzoek of kies een andere manier.',
    'push.error.expired':
      'Het verzoek is verlopen voordat het werd goedgekeurd. Stuur een nieuw verzoek of kies een andere manier.',
    'push.error.limited': 'Er zijn te veel verzoeken gestuurd. Wacht een paar minuten of kies een andere manier.',
    'push.error.blocked':
      'Verzoeken naar uw telefoon zijn gepauzeerd sinds u er een hebt gemeld. Uw beheerder kan ze weer aanzetten.',
    'push.error.unreachable': 'Uw telefoon was niet bereikbaar. Kies een andere manier of stel uw telefoon opnieuw in.',
  },
} as const;
