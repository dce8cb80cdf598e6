// What the push web app's page and its service worker share: the device record in IndexedDB
// (its id, its non-extractable P-256 signing key, the notification's words in the user's
// language) and the compact JWS (ES256) every request of the device is.
(() => {
  const b64url = (bytes) =>
    btoa(String.fromCharCode(...new Uint8Array(bytes)))
      .replaceAll('+', '-')
      .replaceAll('/', '_')
      .replace(/=+$/, '');

  function store(mode, fn) {
    return new Promise((resolve, reject) => {
      const open = indexedDB.open('portcullis-push', 1);
      open.onupgradeneeded = () => open.result.createObjectStore('device');
      open.onerror = () => reject(open.error);
      open.onsuccess = () => {
        const tx = open.result.transaction('device', mode);
        const request = fn(tx.objectStore('device'));
        tx.oncomplete = () => resolve(request?.result);
        tx.onerror = () => reject(tx.error);
      };
    });
  }

  async function sign(device, payload) {
    const text = (value) => b64url(new TextEncoder().encode(JSON.stringify(value)));
    const signingInput = `${text({ alg: 'ES256', kid: device.id })}.${text(payload)}`;
    const signature = await crypto.subtle.sign(
      { name: 'ECDSA', hash: 'SHA-256' },
      device.key,
      new TextEncoder().encode(signingInput),
    );
    return `${signingInput}.${b64url(signature)}`;
  }

  self.PortcullisPush = {
    b64url,
    loadDevice: () => store('readonly', (s) => s.get('device')),
    saveDevice: (device) => store('readwrite', (s) => s.put(device, 'device')),
    sign,
  };
})();
