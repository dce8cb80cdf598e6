// The service worker of the push approval web app. A push carries {rid, app, exp} and nothing
// secret; it shows a notification that only opens the approval page: there is no Approve button
// on the notification (a locked phone must not approve), and the page asks the gateway for the
// details with a request signed by this device's key.
importScripts('/.portcullis/static/push-keys.js');

self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

self.addEventListener('push', (event) => {
  let data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch {
    data = {};
  }
  if (typeof data.rid !== 'string') return;
  const title = typeof data.app === 'string' ? data.app : 'Sign-in';
  event.waitUntil(
    self.PortcullisPush.loadDevice().then((device) =>
      self.registration.showNotification(title, {
        // the words the page stored in the user's language when the phone was set up
        body: device?.notify ?? '',
        tag: 'portcullis-push',
        renotify: true,
        requireInteraction: true,
        data: { rid: data.rid, exp: data.exp },
        icon: '/.portcullis/static/push-icon-192.png',
      }),
    ),
  );
});

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const rid = event.notification.data?.rid;
  if (typeof rid !== 'string') return;
  event.waitUntil(self.clients.openWindow(`/.portcullis/push/app#rid=${encodeURIComponent(rid)}`));
});

// The browser renewed the subscription: the new one is sent to the gateway, signed by the
// device's key (the gateway takes it only from that device, and only to an allowed endpoint).
self.addEventListener('pushsubscriptionchange', (event) => {
  event.waitUntil(
    (async () => {
      const device = await self.PortcullisPush.loadDevice();
      if (!device) return;
      const subscription =
        event.newSubscription ?? (await self.registration.pushManager.subscribe(event.oldSubscription.options));
      const json = subscription.toJSON();
      const token = await self.PortcullisPush.sign(device, {
        action: 'resubscribe',
        endpoint: json.endpoint,
        p256dh: json.keys.p256dh,
        auth: json.keys.auth,
        iat: Math.floor(Date.now() / 1000),
      });
      await fetch(`/.portcullis/api/push/devices/${encodeURIComponent(device.id)}/subscription`, {
        method: 'POST',
        headers: { 'content-type': 'application/jose' },
        body: token,
      });
    })(),
  );
});
