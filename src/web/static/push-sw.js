// The service worker of the push approval web app. A push carries {rid, app, exp} and nothing
// secret; it shows a notification that only opens the approval page: there is no Approve button
// on the notification (a locked phone must not approve), and the page asks the gateway for the
// details with a request signed by this device's key.
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
    self.registration.showNotification(title, {
      body: '\u2192',
      tag: 'portcullis-push',
      renotify: true,
      requireInteraction: true,
      data: { rid: data.rid, exp: data.exp },
      icon: '/.portcullis/static/push-icon-192.png',
    }),
  );
});

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const rid = event.notification.data?.rid;
  if (typeof rid !== 'string') return;
  event.waitUntil(self.clients.openWindow(`/.portcullis/push/app#rid=${encodeURIComponent(rid)}`));
});

// The browser renewed the subscription: the device must be set up again from the account page
// (the gateway removes the old one at its next push, when the push service says it is gone).
self.addEventListener('pushsubscriptionchange', (event) => {
  event.waitUntil(
    self.clients.matchAll({ type: 'window' }).then((windows) => {
      for (const w of windows) w.postMessage({ type: 'subscription-changed' });
    }),
  );
});
