// The push approval web app (/.portcullis/push/app). Two ways in:
// - #pair=<code> (the QR code of the account page): a button asks for notification permission
//   inside the press, subscribes to Web Push with the gateway's VAPID key, makes a P-256 key that
//   cannot be exported (WebCrypto), keeps it in IndexedDB and enrols the subscription and the
//   public key with the one-time code.
// - #rid=<request> (the notification): asks for the request with a JWS signed by that key, shows
//   where the sign-in comes from and the three numbers; every answer is a signed JWS too.
// Its words come from the page (data-* of #status and #request), in the page's language.
const $ = (id) => document.getElementById(id);
const statusLine = $('status');
const say = (key) => {
  statusLine.textContent = statusLine.dataset[key] ?? '';
};
const { loadDevice, saveDevice, sign } = self.PortcullisPush;
const fromB64url = (text) =>
  Uint8Array.from(atob(text.replaceAll('-', '+').replaceAll('_', '/')), (c) => c.charCodeAt(0));

async function answer(device, rid, action, choice) {
  const payload = { rid, action, iat: Math.floor(Date.now() / 1000), ...(choice === undefined ? {} : { choice }) };
  const response = await fetch(`/.portcullis/api/push/requests/${encodeURIComponent(rid)}`, {
    method: 'POST',
    headers: { 'content-type': 'application/jose' },
    body: await sign(device, payload),
  });
  return { status: response.status, body: await response.json().catch(() => ({})) };
}

async function pair(code) {
  const button = $('pair-button');
  const ios =
    /iPad|iPhone|iPod/.test(navigator.userAgent) || (navigator.platform === 'MacIntel' && navigator.maxTouchPoints > 1);
  const standalone = window.matchMedia('(display-mode: standalone)').matches || navigator.standalone === true;
  $('pair').hidden = false;
  if (ios && !standalone) $('ios-hint').hidden = false;
  if (!('serviceWorker' in navigator) || !('PushManager' in window) || !('Notification' in window)) {
    button.hidden = true;
    say('pushAppUnsupported');
    return;
  }
  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      // asked inside the press: browsers refuse a permission prompt that nobody asked for
      const permission = await Notification.requestPermission();
      if (permission !== 'granted') {
        say('pushAppBlocked');
        button.disabled = false;
        return;
      }
      const registration = await navigator.serviceWorker.register('/.portcullis/push-sw.js', {
        scope: '/.portcullis/',
      });
      await navigator.serviceWorker.ready;
      const vapid = await (await fetch('/.portcullis/api/push/vapid')).json();
      const subscription = await registration.pushManager.subscribe({
        userVisibleOnly: true,
        applicationServerKey: fromB64url(vapid.public_key),
      });
      const keys = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify']);
      const jwk = await crypto.subtle.exportKey('jwk', keys.publicKey);
      const json = subscription.toJSON();
      const response = await fetch('/.portcullis/api/push/devices', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          name: ios ? 'iPhone' : /Android/.test(navigator.userAgent) ? 'Android phone' : 'Browser',
          pairing: code,
          subscription: { endpoint: json.endpoint, keys: { p256dh: json.keys.p256dh, auth: json.keys.auth } },
          public_key: { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y },
        }),
      });
      if (response.status !== 201) throw new Error(String(response.status));
      const { id } = await response.json();
      await saveDevice({ id, key: keys.privateKey, notify: statusLine.dataset.pushAppNotify });
      $('pair').hidden = true;
      say('pushAppPaired');
    } catch {
      say('pushAppFailed');
      button.disabled = false;
    }
  });
}

async function review(rid) {
  const device = await loadDevice();
  if (!device) {
    say('pushAppNotpaired');
    return;
  }
  const shown = await answer(device, rid, 'view');
  if (shown.status !== 200) {
    say('pushLinkGone');
    return;
  }
  const part = $('request');
  const details = $('details');
  const rows = [
    ['app', shown.body.app],
    ['host', shown.body.host],
    ['ip', shown.body.ip],
    ['place', shown.body.country],
    ['browser', [shown.body.browser, shown.body.os].filter(Boolean).join(', ')],
    ['time', new Date(shown.body.time).toLocaleString(document.documentElement.lang)],
  ];
  for (const [name, value] of rows) {
    if (!value) continue;
    const dt = document.createElement('dt');
    dt.textContent = part.dataset[name] ?? name;
    const dd = document.createElement('dd');
    dd.textContent = value;
    details.append(dt, dd);
  }
  const done = async (action, choice) => {
    for (const b of part.querySelectorAll('button')) b.disabled = true;
    const result = await answer(device, rid, action, choice);
    part.hidden = true;
    const state = result.body.state;
    say(
      state === 'approved'
        ? 'pushLinkApproved'
        : state === 'reported'
          ? 'pushLinkReported'
          : state
            ? 'pushLinkDenied'
            : 'pushLinkGone',
    );
  };
  for (const n of shown.body.choices) {
    const button = document.createElement('button');
    button.type = 'button';
    button.textContent = String(n);
    button.addEventListener('click', () => done('approve', n));
    $('choices').append(button);
  }
  $('deny').addEventListener('click', () => done('deny'));
  $('report').addEventListener('click', () => done('report'));
  part.hidden = false;
}

function route() {
  const hash = new URLSearchParams(location.hash.slice(1));
  const pairing = hash.get('pair');
  const rid = hash.get('rid');
  if (pairing) {
    // the code leaves the address bar and the history at once
    history.replaceState(null, '', location.pathname);
    pair(pairing);
  } else if (rid) {
    review(rid);
  } else {
    say('pushAppIdle');
  }
}
// the app is open already when a notification is tapped: its link changes only the fragment
window.addEventListener('hashchange', route);
route();
